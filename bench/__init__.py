"""The console's benchmarks: ``python -m bench`` (full) or ``python -m bench --quick`` (CI).

See docs/benchmarks.md for what each figure measures and how to read the table.
"""
