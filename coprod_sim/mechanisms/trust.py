"""Mechanism 5, trust dynamics: experiences move trust along ties and in the place.

Good experiences raise trust towards 1 by a share ``gain`` of the gap; bad ones (being let down
by a helper who drops out or burns out) lower it by a share ``loss`` of the level, so bad news
weighs more. Trust in services rises when a service meets one's need and falls each week a need
waits past the service standard. Neighbour trust relaxes slowly towards the neighbourhood's
baseline (set by diversity and deprivation). Older residents are wary of help from strangers.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.state.population import RETIRED


def raise_towards_one(values: np.ndarray, idx: np.ndarray, gain: float) -> None:
    """Good experience: ``v += gain * (1 - v)`` at ``idx`` (repeated indices apply once)."""
    values[idx] += gain * (1.0 - values[idx])


def lower_towards_zero(values: np.ndarray, idx: np.ndarray, loss: float) -> None:
    """Bad experience: ``v -= loss * v`` at ``idx`` (repeated indices apply once)."""
    values[idx] -= loss * values[idx]


def relax(values: np.ndarray, target: np.ndarray, rate: float) -> None:
    """Pull every value a share ``rate`` of the way to its target (in place)."""
    values += rate * (target - values)


def accept_probability(
    owner_age: np.ndarray, stranger: np.ndarray, owner_trust: np.ndarray, distrust_old: float
) -> np.ndarray:
    """Chance the person in need accepts the offered help.

    Help from a tie is always accepted. Help from a stranger is accepted with probability
    ``0.5 + 0.5 * trust in neighbours``, less ``distrust_old`` for retired residents
    ("what's he after?"), floored at 0.
    """
    p = 0.5 + 0.5 * owner_trust - distrust_old * (owner_age == RETIRED)
    return np.where(stranger, np.clip(p, 0.0, 1.0), 1.0)
