"""Benchmarks of pgconveyor against PGQueuer (`make bench`); never timed tests."""
