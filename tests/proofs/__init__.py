"""Proofs that the books hold under concurrency: Jepsen-style bank test, double spends, replay into a model."""
