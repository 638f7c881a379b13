"""Small timing and memory helpers shared by every `bench_*.py` module.

A benchmark module exposes `run(quick: bool) -> list[Figure]`; `benchmarks.run` discovers and prints them. Machines
here are shared and noisy, so figures are medians of several runs, and ratios are taken against a baseline measured
in the same run rather than against numbers from another day.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One reported number. `ratio` is value ÷ a baseline measured in the same run (None if not meaningful)."""

    name: str
    value: float
    unit: str
    target: str | None = None
    ratio: float | None = None

    def formatted_value(self) -> str:
        """Value with sensible precision for its magnitude."""
        if abs(self.value) >= 1000:
            return f"{self.value:,.0f}"
        if abs(self.value) >= 10:
            return f"{self.value:.1f}"
        return f"{self.value:.3g}"


@dataclass(frozen=True)
class Timing:
    """Median and all runs, in seconds."""

    median: float
    runs: list[float]


def median_of(fn: Callable[[], Any], repeats: int = 5, warmup: int = 1,
              timer: Callable[[], float] = time.perf_counter) -> Timing:
    """Run `fn` `warmup` times untimed, then `repeats` times timed; return the median and all runs.

    `timer` is wall-clock `time.perf_counter` by default; pass `time.process_time` for CPU time, which other
    processes on a shared machine barely disturb (but which leaves out sleeps and I/O waits).
    """
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        start = timer()
        fn()
        runs.append(timer() - start)
    return Timing(statistics.median(runs), runs)


def peak_traced_mb(fn: Callable[[], Any]) -> float:
    """Peak Python heap allocated while `fn` runs (tracemalloc), in MiB. Slows `fn` down: do not time it too."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1024 * 1024)


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss), in MiB. Meaningful when run in a fresh process."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def print_figure(figure: Figure, stream: Any = None) -> None:
    """One line per figure, for the console."""
    out = stream or sys.stdout
    extra = ""
    if figure.ratio is not None:
        extra += f"  (x{figure.ratio:.2f} of baseline)"
    if figure.target:
        extra += f"  [target: {figure.target}]"
    print(f"{figure.name:<48} {figure.formatted_value():>14} {figure.unit}{extra}", file=out)


def markdown_table(figures: Sequence[tuple[str, Figure]]) -> str:
    """`(benchmark module, figure)` rows as a Markdown table for the README."""
    lines = ["| Benchmark | Figure | Value | Unit | Target | Ratio to baseline |", "|---|---|---:|---|---|---:|"]
    for module, figure in figures:
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else ""
        lines.append(f"| {module} | {figure.name} | {figure.formatted_value()} | {figure.unit} | "
                     f"{figure.target or ''} | {ratio} |")
    return "\n".join(lines)
