"""Random streams: one SeedSequence per run, one child stream per mechanism, one block per week.

Each mechanism draws from a PCG64 stream keyed by (run seed, mechanism name), seeded once with
``SeedSequence(seed, spawn_key=(crc32(name),))``. Week ``w`` of that stream starts at position
``(w + 1) * 2**64`` (set-up, "week -1", at 0), and blocks of 2**64 draws never overlap. From
one week to the next the generator's 128-bit LCG state is jumped by 2**64 steps with one
multiply-add (``s -> A * s + G * inc``, constants computed once) and given to the generator
through numpy's public ``state`` setter (with a reused dict, about 2 us alone; about 10-17 us a
call in a running 10,000-resident town, 1-2% of its week); other moves use PCG64's own
``advance`` from the stream's start (about 20 us in a running model, against about 27 us for a
fresh SeedSequence and generator). Only numpy's public API is used, so the streams are the same
on any numpy build that implements PCG64 (``tests/state/test_streams.py`` checks every week's
block against ``PCG64.advance``).

Switching a mechanism or lever on therefore cannot shift
the draws of any other mechanism, nor of the same mechanism in a later week: baseline and
policy runs share common random numbers.

Within one week, asking again for the same name continues the same block (it does not replay
it). A generator is valid for the week it was fetched in: the next week's ``get`` moves it.
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK = 1 << 64  # draws (64-bit outputs) reserved for each week of a stream
_MOD = 1 << 128
_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG64's LCG multiplier (numpy's pcg64.h)


def _jump_constants(steps: int) -> tuple[int, int]:
    """(A, G) with LCG^steps(s) = A * s + G * inc (mod 2**128), by repeated squaring."""
    a, g = 1, 0  # the identity
    m, h = _MULT, 1  # one step: s -> MULT * s + 1 * inc
    while steps:
        if steps & 1:
            a, g = (a * m) % _MOD, (g * m + h) % _MOD
        m, h = (m * m) % _MOD, (h * (m + 1)) % _MOD
        steps >>= 1
    return a, g


_WEEK_A, _WEEK_G = _jump_constants(BLOCK)


def _key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's hash() is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


class _Stream:
    __slots__ = ("bitgen", "gen", "start", "inc", "week", "block", "jump")

    def __init__(self, seq: np.random.SeedSequence) -> None:
        self.bitgen = np.random.PCG64(seq)
        self.gen = np.random.Generator(self.bitgen)
        st = self.bitgen.state
        self.start = st
        self.inc = st["state"]["inc"]
        self.week: int | None = None
        self.block = 0  # LCG state at the start of ``week``'s block
        # the state handed to numpy's setter each week; reused (only its LCG state changes),
        # which halves the setter's cost against building the dict anew
        self.jump = {
            "bit_generator": "PCG64",
            "state": {"state": 0, "inc": self.inc},
            "has_uint32": 0,  # no buffered half of a 64-bit draw carried into the week
            "uinteger": 0,
        }


class Streams:
    """Named random streams derived from one run seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, _Stream] = {}

    def get(self, name: str, week: int = -1) -> np.random.Generator:
        """The generator of mechanism ``name`` for ``week`` (-1: set-up, before week 0)."""
        s = self._streams.get(name)
        if s is None:
            if week < -1:
                raise ValueError(f"week: {week} is before set-up; give -1 or a week >= 0")
            seq = np.random.SeedSequence(self.seed, spawn_key=(_key(name),))
            s = self._streams[name] = _Stream(seq)
        if s.week == week:
            return s.gen  # the same week: continue its block
        if week < -1:
            raise ValueError(f"week: {week} is before set-up; give -1 or a week >= 0")
        if s.week is not None and week == s.week + 1:
            s.block = (_WEEK_A * s.block + _WEEK_G * s.inc) % _MOD
            s.jump["state"]["state"] = s.block
            s.bitgen.state = s.jump
        else:
            s.bitgen.state = s.start
            s.bitgen.advance((week + 1) * BLOCK)
            s.block = s.bitgen.state["state"]["state"]
        s.week = week
        return s.gen


def seed_from_rng(rng: object) -> int:
    """Turn Mesa's ``rng`` argument (None, int, SeedSequence or Generator) into a run seed."""
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, bool):
        raise TypeError(f"rng: {rng!r} is not a seed; give a whole number >= 0")
    if isinstance(rng, (int, np.integer)):
        if rng < 0:
            raise ValueError(f"rng: {rng} is negative; give a whole number >= 0")
        return int(rng)
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(2, np.uint64)[0] % (2**63))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    raise TypeError(f"rng: {rng!r} is not a seed; give a whole number >= 0")
