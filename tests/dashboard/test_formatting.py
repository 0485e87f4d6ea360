"""Numbers for people."""

from __future__ import annotations

import math

from coprod_sim.dashboard import formatting as fmt


def test_formats():
    assert fmt.pct(0.148) == "14.8%"
    assert fmt.pct(math.nan) == "n/a"
    assert fmt.pounds(1234.4) == "£1,234"
    assert fmt.pounds(123_456) == "£123k"
    assert fmt.pounds(-12_345_678) == "-£12.3m"
    assert fmt.hours(3.25) == "3.2 h" and fmt.hours(1234.0) == "1,234 h"
    assert fmt.count(12345.0) == "12,345"
    assert fmt.score(0.456) == "0.46"


def test_signed_differences():
    assert fmt.signed(0.021, "pp") == "+2.1 pp"
    assert fmt.signed(-3.0, "count") == "-3"
    assert fmt.signed(0.0001, "pp") == "no change"
    assert fmt.signed(-2500.0, "gbp") == "-£2,500"
    assert fmt.signed(math.nan) == "n/a"


def test_weeks_label():
    assert fmt.weeks_label(0) == "start"
    assert fmt.weeks_label(52) == "end of year 1"
    assert fmt.weeks_label(62) == "year 2, week 10"
