"""Community dividend: a neighbourhood keeps a share of the professional time it saves.

The saving is measured against a stated reference, each neighbourhood's own professional hours
before the dividend is paid, so help that happens anyway earns nothing:

- **Reference** (``R = reference_weeks`` weeks): the mean weekly professional hours given to
  needs located in neighbourhood ``b`` (any service, crises included) over the ``R`` weeks
  before ``start_week`` (over the first ``R`` weeks of the run if ``start_week < R``).
  Nothing is paid before the reference is complete, i.e. before week ``max(start_week, R)``.
- **Saving** of ``b`` to date: ``S_b = sum over paying weeks (ref_b - hours_b)`` (professional
  hours given to needs in ``b`` each week, read at ``after_channels`` when the week's matches
  are known). Weeks above the reference count against weeks below it, so noise cancels.
- **Dividend**: the neighbourhood is owed ``share x professional_hour_cost x max(0, S_b)``
  (``share``: survey_targets ``community_dividend_share``); each week it is paid what it is
  owed beyond what it has been paid already (never clawed back).

It spends the dividend on local projects that build trust: its baseline neighbour trust
``nb.trust_base`` (to which residents' trust relaxes) rises by ``trust_per_gbp`` x (dividend
per resident) of the gap to ``trust_ceiling``; this feeds back into helping (the decision
rule's trust term) and into expected backing in public safety (mechanism 8).

Weekly cost: the dividends paid, by the council (``payer``). The hours saved are paid for
anyway (staff are salaried), so the dividend is a cost to the public purse; the saving is
hours to redeploy. Source: Young Foundation 2009 (community dividends); the reference and the
effect on trust are assumptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import PrivateAttr

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.needs import CHANNEL_INDEX
from coprod_sim.parameters import ASSUME, param

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel


class CommunityDividend(Lever):
    """Neighbourhoods keep a share of the professional hours saved against their reference."""

    name: ClassVar[str] = "community_dividend"
    point: ClassVar[str] = "after_channels"
    source: ClassVar[str] = "Young Foundation 2009 (community dividends)"
    payer: ClassVar[str] = "council_levers"  # the council pays the dividends

    share: float = param(
        0.5,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source="survey_targets community_dividend_share (Young Foundation 2009)",
        doc="Share of the saving the neighbourhood keeps.",
    )
    reference_weeks: int = param(
        26,
        unit="weeks",
        role="policy",
        ge=1,
        le=520,
        source=ASSUME + " (half a year smooths the weekly churn of cases)",
        doc="Weeks of professional hours before the dividend starts that set each "
        "neighbourhood's reference.",
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
    _reference_sum: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0))
    _saving: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0))
    _weeks_recorded: int = PrivateAttr(default=0)

    def setup(self, model: CoproductionModel) -> None:
        n_nb = len(model.nb.start)
        self._paid_week = 0.0
        self._paid_by_nbhd = np.zeros(n_nb)
        self._reference_sum = np.zeros(n_nb)
        self._saving = np.zeros(n_nb)
        self._weeks_recorded = 0

    @property
    def reference_start(self) -> int:
        """First week of the reference period."""
        return max(0, self.start_week - self.reference_weeks)

    @property
    def first_paying_week(self) -> int:
        """First week a dividend can be paid (the reference is complete)."""
        return self.reference_start + self.reference_weeks

    @property
    def paid_by_nbhd(self) -> np.ndarray:
        """Dividends paid to each neighbourhood over the run (GBP)."""
        return self._paid_by_nbhd

    @property
    def reference_hours(self) -> np.ndarray:
        """Each neighbourhood's reference: mean weekly professional hours (NaN until set)."""
        if self._weeks_recorded < self.reference_weeks:
            return np.full(len(self._reference_sum), np.nan)
        return self._reference_sum / self.reference_weeks

    @property
    def saving_hours(self) -> np.ndarray:
        """Each neighbourhood's professional hours saved to date against its reference."""
        return self._saving

    @staticmethod
    def professional_hours_by_nbhd(model: CoproductionModel) -> np.ndarray:
        """Professional hours given this week to needs located in each neighbourhood."""
        n = model.needs
        pro = n.channel == CHANNEL_INDEX["professional"]
        return np.bincount(n.nbhd[pro], weights=n.hours[pro], minlength=len(model.nb.start))

    def __call__(self, model: CoproductionModel) -> None:
        # the reference is recorded whether or not the lever is on yet
        if self.reference_start <= model.week < self.first_paying_week:
            self._reference_sum += self.professional_hours_by_nbhd(model)
            self._weeks_recorded += 1
        super().__call__(model)

    def apply(self, model: CoproductionModel) -> None:
        self._paid_week = 0.0
        if model.week < self.first_paying_week:
            return
        nb = model.nb
        hours = self.professional_hours_by_nbhd(model)
        self._saving += self.reference_hours - hours
        owed = self.share * model.params.professional_hour_cost * np.maximum(self._saving, 0.0)
        dividend = np.maximum(owed - self._paid_by_nbhd, 0.0)
        self._paid_week = float(dividend.sum())
        self._paid_by_nbhd += dividend
        per_resident = dividend / np.maximum(nb.size, 1)
        step = np.clip(self.trust_per_gbp * per_resident, 0.0, 1.0)
        gap = np.maximum(self.trust_ceiling - nb.trust_base, 0.0)
        nb.trust_base += (step * gap).astype(nb.trust_base.dtype)
        model.events["dividend_paid"] += self._paid_week

    def weekly_cost(self, model: CoproductionModel) -> float:
        return self._paid_week
