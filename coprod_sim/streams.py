"""Random streams: one SeedSequence per run, one child stream per mechanism and week.

Each mechanism draws from a generator keyed by (run seed, mechanism name, week). Switching a
mechanism or lever on therefore cannot shift the draws of any other mechanism, nor of the same
mechanism in a later week: baseline and policy runs share common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np


def _key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's hash() is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Named random streams derived from one run seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def get(self, name: str, week: int = -1) -> np.random.Generator:
        """The generator of mechanism ``name`` for ``week`` (-1: set-up, before week 0)."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(_key(name), week + 1))
        return np.random.Generator(np.random.PCG64(seq))


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
