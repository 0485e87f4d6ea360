"""Random streams: one SeedSequence per run, one child stream per mechanism, one block per week.

Each mechanism draws from a PCG64 stream keyed by (run seed, mechanism name), seeded once with
``SeedSequence(seed, spawn_key=(crc32(name),))``. Week ``w`` of that stream starts at position
``(w + 1) * 2**64`` (set-up, "week -1", at 0): the generator is moved there with ``advance``,
which costs about 5 us against about 27 us for a fresh SeedSequence and generator, and
blocks of 2**64 draws never overlap. Switching a mechanism or lever on therefore cannot shift
the draws of any other mechanism, nor of the same mechanism in a later week: baseline and
policy runs share common random numbers.

Within one week, asking again for the same name continues the same block (it does not replay
it). A generator is valid for the week it was fetched in: the next week's ``get`` moves it.
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK = 1 << 64  # draws (64-bit outputs) reserved for each week of a stream


def _key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's hash() is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Named random streams derived from one run seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, tuple[np.random.PCG64, dict, np.random.Generator]] = {}
        self._week: dict[str, int] = {}

    def get(self, name: str, week: int = -1) -> np.random.Generator:
        """The generator of mechanism ``name`` for ``week`` (-1: set-up, before week 0)."""
        if week < -1:
            raise ValueError(f"week: {week} is before set-up; give -1 or a week >= 0")
        s = self._streams.get(name)
        if s is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(_key(name),))
            bitgen = np.random.PCG64(seq)
            s = self._streams[name] = (bitgen, bitgen.state, np.random.Generator(bitgen))
        bitgen, start, gen = s
        if self._week.get(name) != week:
            bitgen.state = start
            bitgen.advance((week + 1) * BLOCK)
            self._week[name] = week
        return gen


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
