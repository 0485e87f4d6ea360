"""The room votes on panel B's levers: participants on phones propose mixes and vote.

``coprod-sim dashboard --room`` opens one ``Room`` in the server (``open_room``) with a short
code; a phone page (``/phone`` on the same server) joins it with that code, proposes a mix of
levers (which is its vote) or votes for a mix someone proposed; the facilitator's page shows the
tally and applies the winning mix to panel B at the current week (``apply_mix``).

Everything here is plain Python behind one lock, so it is tested without a browser. Every call
from a phone is checked before it changes anything: the room holds at most
``MAX_PARTICIPANTS``, a round at most ``MAX_PROPOSALS`` mixes, every message is small
(``MAX_MESSAGE_CHARS``), and each participant may act ``RATE_BURST`` times in a burst and then
``RATE_PER_SECOND`` times a second (a token bucket); a refused call raises ``RoomError`` (one
line for the phone) and costs the room nothing but a check, so a flooding or malformed client
cannot stall the facilitator's page.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from coprod_sim.levers import LEVERS, Lever

#: participants a room admits (a workshop room; the phones beyond are told the room is full)
MAX_PARTICIPANTS = 60
#: different mixes proposed in one round (the tally must fit on the facilitator's screen)
MAX_PROPOSALS = 12
#: characters of any one text a phone sends (a code, a participant id, a lever's name)
MAX_MESSAGE_CHARS = 64
#: actions (join, vote) a participant may make at once, then this many a second
RATE_BURST = 5
RATE_PER_SECOND = 0.5
#: the room code: consonants only (no word can be spelt on the projector) that cannot be
#: misread, this many (21**4: 194,481 codes)
CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXYZ"
CODE_LENGTH = 4


class RoomError(ValueError):
    """A phone's request the room refuses (one line, shown on the phone)."""


@dataclass
class _Participant:
    tokens: float
    last: float
    mix: frozenset[str] | None = None


@dataclass(frozen=True)
class Proposal:
    """A mix of levers proposed in a round, and the participants voting for it."""

    levers: frozenset[str]
    votes: int

    def describe(self) -> str:
        return describe_mix(self.levers)


def describe_mix(levers: Iterable[str]) -> str:
    """A mix in words, e.g. "personal asks + time bank" ("no lever" for the empty mix)."""
    names = sorted(levers)
    return " + ".join(n.replace("_", " ") for n in names) or "no lever"


def new_code() -> str:
    """A short room code, e.g. "KXPT" (not guessable from outside the room)."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_MESSAGE_CHARS:
        shown = repr(value)[:40]
        raise RoomError(
            f"{name}: value {shown} is not allowed; allowed: text of 1 to "
            f"{MAX_MESSAGE_CHARS} characters"
        )
    return value


@dataclass
class Room:
    """One room: its code, participants, the current round's votes."""

    code: str = field(default_factory=new_code)
    levers: tuple[str, ...] = tuple(LEVERS)
    clock: Callable[[], float] = time.monotonic
    round: int = 1
    version: int = 0  # bumped on every change, for pages that redraw on change
    #: what was applied, newest last: (round, week, mix)
    applied: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._people: dict[str, _Participant] = {}
        self._order: dict[frozenset[str], int] = {}  # the round's mixes, in proposal order

    # ---- phones
    def _spend(self, who: _Participant) -> None:
        now = self.clock()
        who.tokens = min(RATE_BURST, who.tokens + (now - who.last) * RATE_PER_SECOND)
        who.last = now
        if who.tokens < 1:
            raise RoomError("too many actions at once: wait a few seconds and try again")
        who.tokens -= 1

    def join(self, client: str, code: str) -> None:
        """Admit the phone ``client`` (an id its browser keeps) if it has the room's code."""
        client = _text("participant", client)
        given = _text("code", code).strip().upper()
        with self._lock:
            who = self._people.get(client)
            if who is not None:
                self._spend(who)
            if given != self.code:
                raise RoomError(f"code {given!r} is not this room's: ask the facilitator")
            if who is None:
                if len(self._people) >= MAX_PARTICIPANTS:
                    raise RoomError(f"the room is full ({MAX_PARTICIPANTS} participants)")
                self._people[client] = _Participant(RATE_BURST - 1, self.clock())
                self.version += 1

    def joined(self, client: Any) -> bool:
        with self._lock:
            return isinstance(client, str) and client in self._people

    def vote(self, client: str, levers: Any) -> None:
        """``client`` votes for the mix ``levers`` (a list of lever names; proposing it if it
        is new this round). One vote each: a later vote replaces the earlier one."""
        client = _text("participant", client)
        if not isinstance(levers, (list, tuple, set, frozenset)) or len(levers) > len(self.levers):
            raise RoomError(
                f"levers: value {repr(levers)[:40]} is not allowed; allowed: a list of at most "
                f"{len(self.levers)} lever names"
            )
        mix = frozenset(_text("lever", x) for x in levers)
        unknown = sorted(mix - set(self.levers))
        if unknown:
            raise RoomError(
                f"lever: value {unknown[0]!r} is not allowed; allowed: {', '.join(self.levers)}"
            )
        with self._lock:
            who = self._people.get(client)
            if who is None:
                raise RoomError("join the room first (its code is on the facilitator's screen)")
            self._spend(who)
            if mix not in self._order:
                if len(self._order) >= MAX_PROPOSALS:
                    raise RoomError(
                        f"this round has {MAX_PROPOSALS} proposals already: vote for one of them"
                    )
                self._order[mix] = len(self._order)
            who.mix = mix
            self.version += 1

    def my_vote(self, client: Any) -> frozenset[str] | None:
        with self._lock:
            who = self._people.get(client) if isinstance(client, str) else None
            return None if who is None else who.mix

    # ---- the facilitator
    @property
    def participants(self) -> int:
        with self._lock:
            return len(self._people)

    def proposals(self) -> list[Proposal]:
        """The round's proposals in the order they were made, with their votes (what a phone
        lists: a row never moves when votes change, so a tap lands where it was aimed)."""
        with self._lock:
            counts = dict.fromkeys(self._order, 0)
            for who in self._people.values():
                if who.mix is not None:
                    counts[who.mix] += 1
            return [Proposal(m, n) for m, n in counts.items()]  # dicts keep insertion order

    def tally(self) -> list[Proposal]:
        """The round's proposals, most votes first (ties: the earlier proposed first)."""
        made = self.proposals()
        return sorted(made, key=lambda p: -p.votes)  # a stable sort keeps the order of ties

    def winner(self) -> Proposal | None:
        """The mix with most votes (the earlier proposed on a tie), or None if nobody voted."""
        top = next(iter(self.tally()), None)
        return top if top is not None and top.votes > 0 else None

    def new_round(self, applied_at: int | None = None) -> None:
        """Clear the votes and proposals (recording the winner if it was applied at a week)."""
        win = self.winner()
        with self._lock:
            if applied_at is not None and win is not None:
                self.applied.append((self.round, applied_at, win.levers))
            for who in self._people.values():
                who.mix = None
            self._order.clear()
            self.round += 1
            self.version += 1


def apply_mix(ctl: Any, panel: int, levers: Iterable[str]) -> list[str]:
    """Make ``levers`` exactly the levers on in ``panel`` from the current week: switch on
    those that are off (with the parameters the page shows for them), and off those that are
    on and not in the mix. Returns the changes in words (empty if the panel has the mix)."""
    mix = set(levers)
    changes = []
    with ctl.lock:
        for name in LEVERS:
            on, params = ctl.lever_state(panel, name)
            want = name in mix
            if on == want:
                continue
            params = {**params, **ctl.drafts[panel][name]}
            for timing in Lever.TIMING:
                params.pop(timing, None)
            ctl.set_lever(panel, name, want, params)
            changes.append(f"{name.replace('_', ' ')} {'on' if want else 'off'}")
    return changes


#: the server's room (``coprod-sim dashboard --room`` sets ``ROOM_ENV``); None without one
ROOM_ENV = "COPROD_SIM_ROOM"
ROOM_URL_ENV = "COPROD_SIM_ROOM_URL"
_ROOM: Room | None = None
_ROOM_LOCK = threading.Lock()


def open_room(code: str | None = None) -> Room:
    """The server's room, opened on first use (with ``code``, else a new one)."""
    global _ROOM
    with _ROOM_LOCK:
        if _ROOM is None:
            _ROOM = Room(code=code or new_code())
        return _ROOM


def phone_url() -> str:
    """The address phones open (``coprod-sim dashboard --room`` works it out; else /phone)."""
    return os.environ.get(ROOM_URL_ENV) or "/phone"


def server_room() -> Room | None:
    """The room of this server if it was started with ``--room`` (code from ``ROOM_ENV``)."""
    code = os.environ.get(ROOM_ENV)
    return open_room(code) if code else None
