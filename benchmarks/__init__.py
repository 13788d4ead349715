"""Benchmarks: runners that print figures. Goals live here, never in timed tests."""
