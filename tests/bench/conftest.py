"""The benchmarks are scripts run by `make bench` (`tests/bench/run.py`), never pytest tests."""

collect_ignore_glob = ["*.py"]
