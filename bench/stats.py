"""Figures: a value measured in each of several runs, summarised as min / median / max.

Every row of the bench table is one `Figure`. A run contributes one number (e.g. the p50 of
the per-step times in that run, or the largest stall of that run); the table shows how those
numbers spread over the repeated runs, so a noisy machine shows up as a wide range instead of
hiding in one lucky or unlucky number.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def p50(values: Sequence[float]) -> float:
    return percentile(values, 50)


@dataclass
class Figure:
    """One table row: ``values`` holds one number per run."""

    section: str
    name: str
    unit: str
    values: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))

    @property
    def max(self) -> float:
        return max(self.values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "unit": self.unit,
            "runs": len(self.values),
            "min": self.min,
            "median": self.median,
            "max": self.max,
            "values": self.values,
            "note": self.note,
        }


def fmt(value: float, unit: str) -> str:
    if unit in ("bytes", "B"):
        return f"{value / 1000:,.1f} kB" if value >= 10_000 else f"{value:,.0f} B"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render_table(figures: Iterable[Figure]) -> str:
    """A plain-text table (also valid Markdown), grouped by section."""
    rows = [("section", "figure", "unit", "runs", "min", "median", "max")]
    for f in figures:
        unit = "kB" if f.unit == "bytes" else f.unit
        if f.unit == "bytes":
            numbers = [f"{v / 1000:,.1f}" for v in (f.min, f.median, f.max)]
        else:
            numbers = [fmt(v, f.unit) for v in (f.min, f.median, f.max)]
        rows.append((f.section, f.name, unit, str(len(f.values)), *numbers))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i < 3 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append(
                "|"
                + "|".join(
                    "-" * (w + 2) if i < 3 else "-" * (w + 1) + ":" for i, w in enumerate(widths)
                )
                + "|"
            )
    return "\n".join(lines)
