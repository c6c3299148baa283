"""Benchmarks that print figures (latency, payload size, parity ratios); run `python -m bench`."""
