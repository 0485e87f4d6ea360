"""Mechanism 4, commitment escalation and burnout.

An ongoing helping relationship grows: its hours rise by the kind's ``growth`` each week, up to
``growth_cap`` times its start (the "sucked in" worry). A resident tolerates committed hours up
to ``tolerance_share * free hours * (1 - 0.5 * fear of commitment)``; past that, fatigue rises
by ``fatigue_rate`` per unit of relative overload, and within it fatigue falls by
``fatigue_recovery``. At fatigue 1 the resident burns out: they drop every commitment, take
nothing new for ``burnout_recovery_weeks``, their fear of commitment rises by
``burnout_fear_self`` and each of their ties' by ``burnout_fear_contagion``.
"""

from __future__ import annotations

import numpy as np


def grow(hours: np.ndarray, base: np.ndarray, growth: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Hours of ongoing commitments next week."""
    return np.minimum(hours * (1.0 + growth), base * cap).astype(np.float32)


def tolerance(free_hours: np.ndarray, fear: np.ndarray, share: float) -> np.ndarray:
    """Committed hours a resident can sustain without tiring."""
    return np.maximum(free_hours * share * (1.0 - 0.5 * fear), 1e-3)


def next_fatigue(
    fatigue: np.ndarray, committed: np.ndarray, tol: np.ndarray, rate: float, recovery: float
) -> np.ndarray:
    """Fatigue rises with overload past tolerance and falls otherwise (never below 0)."""
    over = committed / tol - 1.0
    up = rate * np.maximum(over, 0.0)
    return np.maximum(np.where(over > 0, fatigue + up, fatigue - recovery), 0.0).astype(np.float32)


def burnt_out(fatigue: np.ndarray) -> np.ndarray:
    return fatigue >= 1.0
