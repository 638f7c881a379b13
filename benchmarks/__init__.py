"""Benchmarks: `python -m benchmarks.run [--quick] [NAME ...]` runs every `bench_*.py` module's `run(quick)`."""
