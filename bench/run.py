"""Runs every bench/bench_*.py in turn; each prints its own figures.

Benchmarks use whatever DATABASE_URL says (PostgreSQL for figures worth
recording in docs/benchmarks.md) and build their own data in a throwaway
database, never the one `make run` uses.
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(HERE.parent))
    benches = sorted(HERE.glob("bench_*.py"))
    if not benches:
        print("No benchmarks yet.")
        return 0
    for bench in benches:
        print(f"== {bench.stem}")
        runpy.run_path(str(bench), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
