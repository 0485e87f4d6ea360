"""Numbers for people: percentages, pounds, hours and counts, with plain signs for changes.

A workshop room reads "£12,400" and "14.8%", not "12400.0003" or "0.148"; missing values read
"n/a" rather than "nan".
"""

from __future__ import annotations

import math


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 1) -> str:
    """A share (0-1) as a percentage: ``pct(0.148) == "14.8%"``."""
    return "n/a" if _missing(x) else f"{100 * x:.{digits}f}%"


def pounds(x: float | None) -> str:
    """Money in GBP, whole pounds below £10,000, then thousands or millions."""
    if _missing(x):
        return "n/a"
    sign, a = ("-" if x < 0 else ""), abs(x)
    if a >= 9_999_500:
        return f"{sign}£{a / 1e6:,.1f}m"
    if a >= 99_950:
        return f"{sign}£{a / 1e3:,.0f}k"
    return f"{sign}£{a:,.0f}"


def hours(x: float | None) -> str:
    """Hours, rounded to whole hours (one decimal below ten)."""
    if _missing(x):
        return "n/a"
    return f"{x:,.1f} h" if abs(x) < 10 else f"{x:,.0f} h"


def count(x: float | None) -> str:
    """A count with thousands separators."""
    return "n/a" if _missing(x) else f"{x:,.0f}"


def score(x: float | None) -> str:
    """A 0-1 score (trust, fear) to two decimals."""
    return "n/a" if _missing(x) else f"{x:.2f}"


def signed(x: float | None, fmt: str = "count") -> str:
    """A difference with its sign: ``signed(0.021, "pp") == "+2.1 pp"``; zero reads "no change"."""
    if _missing(x):
        return "n/a"
    if fmt == "pp":
        text = f"{100 * abs(x):.1f} pp"
        zero = text == "0.0 pp"
    else:
        text = FORMATS[fmt](abs(x))
        zero = text == FORMATS[fmt](0.0)
    if zero:
        return "no change"
    return ("+" if x > 0 else "-") + text


def weeks_label(week: int) -> str:
    """ "year 2, week 10" for week 62 (weeks completed, 52 a year)."""
    if week <= 0:
        return "start"
    y, w = divmod(week, 52)
    if w == 0:
        return f"end of year {y}"
    return f"year {y + 1}, week {w}"


FORMATS = {"pct": pct, "gbp": pounds, "hours": hours, "count": count, "score": score}
#: the format of a difference for each unit of the metric registry (coprod_sim.analysis.metrics)
UNIT_FORMATS = {"share 0-1": "pp", "count": "count", "hours": "hours", "GBP": "gbp"}


def format_of(unit: str) -> str:
    """How a difference in a metric of this unit reads: "pp", "count", "hours", "gbp", "score"."""
    return UNIT_FORMATS.get(unit, "score" if unit.startswith("score") else "count")
