"""The places' pages: the network's directory and map, a place and its week, finding and booking a
resource, "Mes réservations", the managers' day and qualifications, the calendars."""
