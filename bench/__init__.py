"""Benchmarks that run PulseDesk beside its anchors in one run and print the ratio.

Each module is one benchmark, runnable as ``python -m bench.<name>``; see bench/README.md.
"""
