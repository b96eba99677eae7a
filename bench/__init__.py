"""Benchmarks: `python -m bench [NAME ...]` prints one JSON object per line per metric.

Every metric is a ratio against a baseline measured in the same run, because the machines
are shared and noisy and absolute times mean little.
"""
