"""`make bench`: the throughput benchmark (docs/benchmark.md); `python -m tests.bench --help`."""
