"""Number formatting and Markdown tables for the benchmark report (``report.py``, ``report_modes.py``)."""

from __future__ import annotations

import math
from typing import Any


def get(d: Any, *path: Any) -> Any:
    for key in path:
        if d is None:
            return None
        if isinstance(d, dict):
            d = d.get(key)
        elif isinstance(d, list | tuple) and isinstance(key, int) and -len(d) <= key < len(d):
            d = d[key]
        else:
            return None
    return d


def num(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def fmt_s(value: Any) -> str:
    v = num(value)
    if v is None:
        return "–"
    if v < 0.1:
        return f"{v * 1000:.1f} ms"
    return f"{v:.2f} s"


def fmt(value: Any, digits: int = 3, unit: str = "") -> str:
    v = num(value)
    return "–" if v is None else f"{v:.{digits}f}{unit}"


def ratio(ours: Any, ref: Any) -> str:
    a, b = num(ours), num(ref)
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def met(value: Any, target: float | None, higher_is_better: bool = False) -> str:
    v = num(value)
    if target is None or v is None:
        return "–"
    ok = v >= target if higher_is_better else v <= target
    return "yes" if ok else "no"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out
