"""Play plays: the loop yields every few weeks (the page redraws at each yield), paces itself
to the chosen speed, and "play a year" stops at the year's end."""

from __future__ import annotations

from coprod_sim.dashboard.controller import (
    BREATHE,
    MAX_WEEKS_PER_UPDATE,
    SPEEDS,
    PairedFutures,
    TownChoice,
    play,
    year_end,
)

SMALL = TownChoice(town="demo", residents=400, years=2, seed=5, burn_in_years=0)


def test_play_yields_at_least_every_four_weeks_to_the_end():
    ctl = PairedFutures(SMALL)
    weeks = list(play(ctl, sleep=lambda s: None))
    assert weeks[-1] == SMALL.weeks == ctl.week
    steps = [b - a for a, b in zip([0, *weeks], weeks, strict=False)]
    assert max(steps) <= MAX_WEEKS_PER_UPDATE and min(steps) >= 1
    assert len(weeks) >= SMALL.weeks // MAX_WEEKS_PER_UPDATE


def test_slow_speeds_show_every_week_and_wait_between():
    ctl = PairedFutures(SMALL)
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    weeks = list(play(ctl, SPEEDS["1 week a second"], until=5, clock=lambda: now[0], sleep=sleep))
    assert weeks == [1, 2, 3, 4, 5]
    assert len(waits) == 5 and all(abs(w - 1.0) < 1e-9 for w in waits)  # one week a second


def test_as_fast_as_it_runs_still_pauses_for_the_page():
    ctl = PairedFutures(SMALL)
    waits: list[float] = []
    list(play(ctl, until=12, sleep=waits.append))
    assert waits == [BREATHE] * 3


def test_play_a_year_stops_at_the_years_end_and_can_be_stopped():
    ctl = PairedFutures(SMALL)
    ctl.step(10)
    assert year_end(10) == 52 and year_end(52) == 104
    assert (
        list(play(ctl, until=year_end(ctl.week), sleep=lambda s: None))[-1] == 52 and ctl.week == 52
    )
    loop = play(ctl, sleep=lambda s: None)
    assert next(loop) == 56
    loop.close()  # the page's Pause
    assert ctl.week == 56
    assert list(play(ctl, until=40)) == []  # a week already passed: nothing to do


def test_play_never_runs_past_the_end():
    ctl = PairedFutures(SMALL)
    ctl.step(SMALL.weeks - 2)
    assert list(play(ctl, until=10_000, sleep=lambda s: None)) == [SMALL.weeks]
    assert list(play(ctl)) == []
