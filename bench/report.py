"""Medians, percentiles and the tables the benchmarks print, rounds in a rotating order."""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Mapping, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


def median_of(results: Sequence[Mapping[str, float]], key: str) -> float:
    """The median of one measurement over the rounds' results."""
    return median([result[key] for result in results])


def print_round(round_number: int, name: str, result: Mapping[str, Any]) -> None:
    """One round's result as it happens: ``round 2 pulsedesk: cpu_us=10.8, p99_ms=48.5``."""
    values = ", ".join(
        f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in result.items()
    )
    print(f"round {round_number + 1} {name}: {values}", flush=True)


def rotated(items: Sequence[Any], round_number: int) -> list[Any]:
    """The contenders in a different order each round, so none always goes first."""
    shift = round_number % len(items)
    return [*items[shift:], *items[:shift]]


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            if math.isnan(value):
                return "nan"
            return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in text)) for i, c in enumerate(columns)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in text:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()


# Profiles --------------------------------------------------------------------------------------
