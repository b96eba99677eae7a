"""Real services started for integration tests and benchmarks, on temporary paths (never
the machine's own): cupsd with a virtual printer."""
