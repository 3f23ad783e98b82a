"""Runs every bench/bench_*.py in turn, each in a process of its own; each prints
its own figures.

Benchmarks use whatever DATABASE_URL says (PostgreSQL for figures worth
recording in docs/benchmarks.md) and build their own data in a throwaway
database of their own, never the one `make run` uses.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    benches = sorted(HERE.glob("bench_*.py"))
    if not benches:
        print("No benchmarks yet.")
        return 0
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    failed = 0
    for bench in benches:
        print(f"== {bench.stem}", flush=True)
        # Our own benchmark files, run with our own interpreter.
        result = subprocess.run([sys.executable, str(bench)], env=env, check=False)  # noqa: S603
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
