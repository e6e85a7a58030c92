"""Benchmark infrastructure: simulated hosts, statistics, plots and transport measurements."""
