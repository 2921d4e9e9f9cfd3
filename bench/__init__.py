"""Benchmarks of closebot at the size of the whole Hong Kong main board (see bench/run.py)."""
