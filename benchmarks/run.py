"""Run benchmarks: `python -m benchmarks.run [--quick] [NAME ...]`.

Discovers every `benchmarks/bench_*.py`, calls its `run(quick: bool) -> list[Figure]`, prints each figure as it comes,
then a Markdown table of all figures. NAME filters modules (`transform` or `bench_transform`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

from benchmarks.harness import Figure, markdown_table, print_figure

BENCH_DIR = Path(__file__).resolve().parent


def discover(names: list[str]) -> list[str]:
    """Module names of the selected `bench_*.py` files, sorted."""
    modules = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))
    if not names:
        return modules
    wanted = {name if name.startswith("bench_") else f"bench_{name}" for name in names}
    unknown = wanted - set(modules)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(modules)}")
    return [module for module in modules if module in wanted]


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (1 if any benchmark module failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs and fewer repeats (smoke test)")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args(argv)
    rows: list[tuple[str, Figure]] = []
    failed = False
    for module_name in discover(args.names):
        print(f"== {module_name}", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{module_name}")
            figures = module.run(args.quick)
        except Exception:
            traceback.print_exc()
            failed = True
            continue
        for figure in figures:
            print_figure(figure)
            rows.append((module_name, figure))
        sys.stdout.flush()
    print()
    print(markdown_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
