"""Stated willingness per kind of activity: drawn so population shares match the survey.

Willingness is an upper bound on behaviour: a resident may only ever help with an activity
they said they would do. Shares come from the ``willingness`` rows of survey_targets.csv
(IPPR/PwC Capable Communities 2010). Willingness to do one thing goes with willingness to do
others: each resident has a latent civic disposition shared across activities.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from coprod_sim.data.survey import survey_value

#: activity -> (survey target id, stated-willingness share of adults, from survey_targets.csv)
ACTIVITIES: dict[str, tuple[str, float]] = {
    name: (tid, survey_value(tid))
    for name, tid in (
        ("check_elderly", "will_check_elderly"),
        ("drive_shops", "will_drive_shops"),
        ("gardening", "will_gardening"),
        ("carehome_events", "will_carehome_events"),
        ("mentor_child", "will_mentor_child"),
        ("school_governor", "will_school_governor"),
        ("one_off_events", "will_one_off_events"),
        ("afterschool", "will_afterschool"),
        ("classroom", "will_classroom"),
        ("police_meeting", "will_police_meeting"),
        ("intervene_training", "will_intervene_training"),
        ("joint_patrol", "will_joint_patrol"),
    )
}
ACTIVITY_NAMES: tuple[str, ...] = tuple(ACTIVITIES)
ACTIVITY_INDEX: dict[str, int] = {a: i for i, a in enumerate(ACTIVITY_NAMES)}


def draw_willingness(
    n: int, scale: float, rng: np.random.Generator, loading: float = 0.7
) -> np.ndarray:
    """Bitmask (uint16) of activities each resident states they are willing to do.

    Resident i is willing for activity a when ``l*z_i + sqrt(1-l^2)*e_ia > t_a``, with z and e
    standard normal and ``l`` the ``disposition_loading``; t_a is set so that P(willing)
    equals the survey share times ``scale``.
    """
    shares = np.minimum(1.0, np.array([s for _, s in ACTIVITIES.values()]) * scale)
    thresholds = -ndtri(np.clip(shares, 1e-12, 1 - 1e-12))
    lo = loading
    # one draw for z and every activity's e, in the order of one draw each (z, then e of
    # activity 0, 1, ...): a newcomer's few rows cost one call, not one per activity
    draws = rng.standard_normal((len(thresholds) + 1, n)).astype(np.float32)
    z, e = draws[0], draws[1:]
    willing = lo * z + np.sqrt(1 - lo * lo) * e > thresholds[:, None]
    willing[shares <= 0] = False
    bits = np.arange(len(thresholds), dtype=np.uint16)[:, None]
    return np.bitwise_or.reduce(willing.astype(np.uint16) << bits, axis=0, dtype=np.uint16)


def willing_for(mask: np.ndarray, activity: np.ndarray | int) -> np.ndarray:
    """True where the resident stated willingness for the (per-row) activity index."""
    return ((mask >> np.asarray(activity, dtype=np.uint16)) & np.uint16(1)).astype(bool)


def willingness_matrix(mask: np.ndarray) -> np.ndarray:
    """N x A boolean matrix of stated willingness (for reporting, not the weekly step)."""
    bits = np.arange(len(ACTIVITY_NAMES), dtype=np.uint16)
    return ((mask[:, None] >> bits[None, :]) & np.uint16(1)).astype(bool)
