"""Awareness of local opportunities to help: how residents learn of them, and forget.

Awareness (``pop.aware``) enters the decision to help (mechanism 3): on a formal opportunity
(an open call, a service's role) an unaware resident pays the ``weight_unaware`` penalty. It
changes each week (phase "awareness", after delivery):

- an organisation's personal ask makes the asked aware at once (``channels.decide``);
- residents who helped formally this week are aware (they know the opportunity they took);
- word of mouth: each of this week's formal helpers tells one uniformly drawn tie about it
  with chance ``awareness_word_of_mouth``; the tie becomes aware;
- fading: an aware resident with no contact with an opportunity for
  ``awareness_memory_weeks`` weeks (not asked by an organisation, no formal help, not told by
  a tie, not reached by a lever) forgets with weekly chance ``awareness_fade``.

Levers that inform (the information point, personal asks, community entrepreneurs, the time
bank's asks) make residents aware; ``make_aware`` also records the contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.population import LONG_AGO

if TYPE_CHECKING:
    from mesa import Model


class AwarenessParams(Strict):
    """Awareness of local opportunities: word of mouth and fading."""

    awareness_word_of_mouth: float = param(
        0.02,
        unit="1/week per formal helper",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (people hear of opportunities from those who take part): at 0.02 the"
        " demo town's share aware goes from 0.6 at the start to 0.67-0.77 after the 8-year"
        " burn-in (seeds 1-3); at 0.05, to 0.82",
        doc="Weekly chance that a resident who helped formally this week tells one of their ties "
        "about it (the tie becomes aware).",
    )
    awareness_fade: float = param(
        0.01,
        unit="1/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (an opportunity nobody mentions is forgotten: about half within 1.3"
        " years past the memory)",
        doc="Weekly chance that an aware resident with no recent contact with an opportunity "
        "forgets it.",
    )
    awareness_memory_weeks: int = param(
        52,
        unit="weeks",
        role="world",
        ge=1,
        le=520,
        source=ASSUME,
        doc="Weeks after the last contact (asked by an organisation, formal help, told by a tie, "
        "reached by a lever) before awareness may fade.",
    )


def contact_weeks(pop: Any) -> np.ndarray:
    """``pop.aware_contact_week``: the last week each resident was told of an opportunity by a
    tie or a lever (LONG_AGO: never), added to the population on first use."""
    return pop.add_column("aware_contact_week", np.int32, LONG_AGO)


def make_aware(model: Model, who: np.ndarray) -> int:
    """Residents ``who`` learn of local opportunities this week (aware, contact recorded);
    returns how many of them (distinct or not) were unaware."""
    pop = model.pop
    new = int(np.count_nonzero(~pop.aware[who]))
    pop.aware[who] = True
    contact_weeks(pop)[who] = model.week
    return new


def weekly(model: Model) -> None:
    """Formal helpers are aware and tell a tie (word of mouth); awareness without contact
    fades."""
    pop, p, g = model.pop, model.params, model.graph
    rng = model.rng_for("awareness")
    helpers = (pop.last_formal_week == model.week).nonzero()[0]
    pop.aware[helpers] = True
    tell = helpers[rng.random(len(helpers)) < p.awareness_word_of_mouth]
    deg = g.deg[tell]
    tell, deg = tell[deg > 0], deg[deg > 0]
    if len(tell):
        pos = g.indptr[tell].astype(np.int64) + (rng.random(len(tell)) * deg).astype(np.int64)
        model.events["aware_word_of_mouth"] += make_aware(model, g.indices[pos])
    if p.awareness_fade <= 0:
        return
    since = model.week - p.awareness_memory_weeks
    contact = np.maximum(np.maximum(pop.last_asked_week, pop.last_formal_week), contact_weeks(pop))
    fading = (pop.aware & (contact <= since)).nonzero()[0]
    forget = fading[rng.random(len(fading)) < p.awareness_fade]
    pop.aware[forget] = False
    model.events["aware_forgot"] += len(forget)
