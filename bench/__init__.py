"""Benchmarks for the speed targets of the issues (not part of the test run)."""
