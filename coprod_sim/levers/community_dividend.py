"""Community dividend: a neighbourhood keeps a share of the saving its volunteers create.

Rule (at ``after_channels``, when the week's helpers are known): the saving a neighbourhood
creates this week is the volunteer hours given to needs located there (resident needs and
service roles, any channel but professional) x ``displacement`` (the share of those hours that
would otherwise have been professional hours) x the scenario's ``professional_hour_cost``. The
neighbourhood is paid ``share`` of it (survey_targets ``community_dividend_share``) and spends it
on local projects that build trust: its baseline neighbour trust ``nb.trust_base`` (to which
residents' trust relaxes) rises by ``trust_per_gbp`` x (dividend per resident) of the gap to
``trust_ceiling``. A rise in trust feeds back into helping (the decision rule's trust term) and
into expected backing in public safety (mechanism 8).

Weekly cost: the dividends paid (GBP). Source: Young Foundation 2009 (community dividends);
displacement and the effect on trust are assumptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import PrivateAttr

from coprod_sim.levers import Lever
from coprod_sim.parameters import ASSUME, param

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel


class CommunityDividend(Lever):
    """Neighbourhoods keep a share of the professional hours their volunteers save."""

    name: ClassVar[str] = "community_dividend"
    point: ClassVar[str] = "after_channels"
    source: ClassVar[str] = "Young Foundation 2009 (community dividends)"

    share: float = param(
        0.5,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source="survey_targets community_dividend_share (Young Foundation 2009)",
        doc="Share of the saving the neighbourhood keeps.",
    )
    displacement: float = param(
        0.1,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (most volunteer help adds to, rather than replaces, professional work)",
        doc="Share of volunteer hours that displace professional hours (the saving counted).",
    )
    trust_per_gbp: float = param(
        0.01,
        unit="share of gap per GBP per resident",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in the neighbourhood's baseline trust per GBP of dividend per resident a "
        "week, as a share of the gap to the ceiling.",
    )
    trust_ceiling: float = param(
        0.9,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Baseline trust the dividend can raise a neighbourhood to at most.",
    )

    _paid_week: float = PrivateAttr(default=0.0)
    _paid_by_nbhd: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0))

    def setup(self, model: CoproductionModel) -> None:
        self._paid_week = 0.0
        self._paid_by_nbhd = np.zeros(len(model.nb.start))

    @property
    def paid_by_nbhd(self) -> np.ndarray:
        """Dividends paid to each neighbourhood over the run (GBP)."""
        return self._paid_by_nbhd

    def apply(self, model: CoproductionModel) -> None:
        n, nb = model.needs, model.nb
        vol = n.helper >= 0
        n_nb = len(nb.start)
        hours = np.bincount(n.nbhd[vol], weights=n.hours[vol], minlength=n_nb)
        dividend = hours * self.displacement * model.params.professional_hour_cost * self.share
        self._paid_week = float(dividend.sum())
        self._paid_by_nbhd += dividend
        per_resident = dividend / np.maximum(nb.size, 1)
        step = np.clip(self.trust_per_gbp * per_resident, 0.0, 1.0)
        gap = np.maximum(self.trust_ceiling - nb.trust_base, 0.0)
        nb.trust_base += (step * gap).astype(nb.trust_base.dtype)
        model.events["dividend_paid"] += self._paid_week

    def weekly_cost(self, model: CoproductionModel) -> float:
        return self._paid_week
