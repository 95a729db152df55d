"""Okno's benchmark: `make bench` (bench/run.py)."""
