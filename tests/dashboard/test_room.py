"""The room's vote without a browser: joining, proposing, voting, the caps, the rate limit, a
flooding or malformed client, and applying the winning mix to panel B."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.dashboard import cli as dash_cli
from coprod_sim.dashboard import room
from coprod_sim.dashboard.controller import PairedFutures, TownChoice
from coprod_sim.dashboard.room import Room, RoomError, apply_mix


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def joined_room(n: int = 3) -> tuple[Room, Clock]:
    clock = Clock()
    r = Room(code="KXPT", clock=clock)
    for i in range(n):
        r.join(f"phone{i}", "kxpt ")  # case and spaces as typed on a phone
    return r, clock


def test_code_is_short_and_readable():
    codes = {room.new_code() for _ in range(50)}
    assert len(codes) > 40
    assert all(len(c) == room.CODE_LENGTH and set(c) <= set(room.CODE_LETTERS) for c in codes)


def test_join_needs_the_code_and_the_room_has_a_cap():
    r = Room(code="ABCD")
    with pytest.raises(RoomError, match="not this room's"):
        r.join("p", "ABCE")
    assert r.participants == 0
    for i in range(room.MAX_PARTICIPANTS):
        r.join(f"p{i}", "abcd")
    with pytest.raises(RoomError, match="full"):
        r.join("one more", "ABCD")
    r.join("p0", "ABCD")  # a phone already in may join again (a reload)
    assert r.participants == room.MAX_PARTICIPANTS


def test_votes_tally_and_winner():
    r, clock = joined_room(4)
    assert r.winner() is None
    r.vote("phone0", ["time_bank"])  # proposes and votes
    r.vote("phone1", ["personal_asks", "time_bank"])
    r.vote("phone2", ["time_bank", "personal_asks"])  # the same mix, in another order
    r.vote("phone3", [])  # no lever is a mix too
    tally = r.tally()
    assert [(t.levers, t.votes) for t in tally] == [
        (frozenset({"time_bank", "personal_asks"}), 2),
        (frozenset({"time_bank"}), 1),
        (frozenset(), 1),
    ]
    assert r.winner().describe() == "personal asks + time bank"
    # a phone lists them in the order they were proposed
    assert [t.describe() for t in r.proposals()] == [
        "time bank",
        "personal asks + time bank",
        "no lever",
    ]
    clock.t += 10
    r.vote("phone1", ["time_bank"])  # one vote each: changing it moves it
    assert [t.votes for t in r.tally()] == [2, 1, 1]
    # a tie goes to the mix proposed first
    assert r.winner().levers == frozenset({"time_bank"})
    assert r.my_vote("phone1") == frozenset({"time_bank"})


def test_new_round_clears_votes_and_records_what_was_applied():
    r, _ = joined_room(2)
    r.vote("phone0", ["training"])
    v = r.version
    r.new_round(applied_at=12)
    assert r.round == 2 and r.tally() == [] and r.my_vote("phone0") is None
    assert r.applied == [(1, 12, frozenset({"training"}))] and r.version > v
    assert r.participants == 2  # the phones stay in the room


@pytest.mark.parametrize(
    ("client", "levers", "message"),
    [
        ("phone0", ["time_machine"], "lever: value 'time_machine' is not allowed"),
        ("phone0", "time_bank", "levers: value"),
        ("phone0", {"time_bank": 1}, "levers: value"),
        ("phone0", [3], "lever: value 3"),
        ("phone0", ["x" * 10_000], "lever: value"),
        ("phone0", ["time_bank"] * 100, "levers: value"),
        ("nobody", ["time_bank"], "join the room first"),
        (None, ["time_bank"], "participant"),
        ("p" * 1_000_000, ["time_bank"], "participant"),
    ],
)
def test_malformed_requests_are_refused_with_one_line(client, levers, message):
    r, _ = joined_room(1)
    with pytest.raises(RoomError, match=message) as err:
        r.vote(client, levers)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400
    assert r.tally() == [] and r.version == 1  # nothing changed (1: the join)


def test_proposals_per_round_are_capped():
    r, clock = joined_room(room.MAX_PROPOSALS + 1)
    names = list(r.levers)
    for i in range(room.MAX_PROPOSALS):
        r.vote(f"phone{i}", [names[i]])
    with pytest.raises(RoomError, match="proposals already"):
        r.vote(f"phone{room.MAX_PROPOSALS}", [names[room.MAX_PROPOSALS]])
    r.vote(f"phone{room.MAX_PROPOSALS}", [names[0]])  # voting for one of them is fine
    assert r.tally()[0].votes == 2


def test_rate_limit_per_phone():
    r, clock = joined_room(2)  # the join spent one action of the burst
    for _ in range(room.RATE_BURST - 1):
        r.vote("phone0", ["training"])
    with pytest.raises(RoomError, match="too many actions"):
        r.vote("phone0", ["time_bank"])
    assert r.my_vote("phone0") == frozenset({"training"})  # the refused vote changed nothing
    r.vote("phone1", ["time_bank"])  # another phone is not slowed down
    clock.t += 1 / room.RATE_PER_SECOND  # one more action after a wait
    r.vote("phone0", ["time_bank"])
    assert r.my_vote("phone0") == frozenset({"time_bank"})


def test_a_flooding_phone_cannot_stall_the_room():
    """10,000 requests from one phone (votes and bad joins, real clock) are refused quickly,
    and the others' votes and the facilitator's tally go through while it floods."""
    r = Room(code="KXPT")
    r.join("flood", "KXPT")
    r.join("calm", "KXPT")
    refused = 0
    t0 = time.perf_counter()
    for i in range(10_000):
        try:
            if i % 2:
                r.vote("flood", ["time_bank"] if i % 4 == 1 else ["training"])
            else:
                r.join("flood", "ZZZZ")
        except RoomError:
            refused += 1
    flood_seconds = time.perf_counter() - t0
    r.vote("calm", ["personal_asks"])
    t1 = time.perf_counter()
    tally = r.tally()
    assert time.perf_counter() - t1 < 0.05
    assert refused >= 9_990  # the burst, then almost nothing (the bucket refills slowly)
    assert flood_seconds < 2.0, flood_seconds  # about 10 microseconds a refusal
    assert sum(t.votes for t in tally) == 2 and r.participants == 2


def test_apply_mix_switches_panel_b_from_the_current_week():
    ctl = PairedFutures(TownChoice(residents=400, years=1, seed=3, burn_in_years=0))
    ctl.set_lever(1, "training", True)  # B has training from the start
    ctl.step(6)
    changes = apply_mix(ctl, 1, {"time_bank", "personal_asks"})
    assert sorted(changes) == ["personal asks on", "time bank on", "training off"]
    b = ctl.panels[1].plan
    assert {(s.week, s.lever, s.on) for s in b.switches} == {
        (6, "time_bank", True),
        (6, "personal_asks", True),
        (6, "training", False),
    }
    assert ctl.panels[0].plan.describe() == "no lever"  # A untouched
    assert apply_mix(ctl, 1, {"time_bank", "personal_asks"}) == []  # already the mix
    ctl.step(2)  # the switched levers run
    assert ctl.lever_state(1, "time_bank")[0] and not ctl.lever_state(1, "training")[0]


def test_dashboard_room_flag_shows_the_code_and_warns_on_loopback(monkeypatch):
    calls = []
    monkeypatch.setattr(dash_cli.os, "execve", lambda *a: calls.append(a))
    result = CliRunner().invoke(app, ["dashboard", "--room", "--port", "9100"])
    assert result.exit_code == 0, result.output
    ((_, _, env),) = calls
    code = env[room.ROOM_ENV]
    assert f"room code: {code}" in result.output
    assert env[room.ROOM_URL_ENV] == "http://127.0.0.1:9100/phone"
    assert "phones cannot reach it" in result.output
    # without --room, no room (even if the variable was left in the shell)
    monkeypatch.setenv(room.ROOM_ENV, "LEFT")
    calls.clear()
    CliRunner().invoke(app, ["dashboard"])
    assert room.ROOM_ENV not in calls[0][2]
    assert (dash_cli.ROOM_ENV, dash_cli.ROOM_URL_ENV) == (room.ROOM_ENV, room.ROOM_URL_ENV)


def test_dashboard_room_on_all_addresses_gives_a_network_address(monkeypatch):
    calls = []
    monkeypatch.setattr(dash_cli.os, "execve", lambda *a: calls.append(a))
    result = CliRunner().invoke(app, ["dashboard", "--room", "--host", "0.0.0.0"])
    url = calls[0][2][room.ROOM_URL_ENV]
    assert url.startswith("http://") and url.endswith(":8765/phone") and "0.0.0.0" not in url
    assert "warning: listening on 0.0.0.0" in result.output
