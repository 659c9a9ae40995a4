"""Benchmarks of motcua (`make bench`): floors, page throughput, flows, memory.

`bench/run` drives one leg per database and size (`python -m bench`), then `bench.report`
prints one table and writes it into docs/performance.md. `bench.urls` holds the views that the
server serves only when MOTCUA_BENCH=1. How to run and what each number means: bench/README.md.
"""
