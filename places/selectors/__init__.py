"""Reads of the places that decide who sees what, by subject (bookings, roles, …)."""
