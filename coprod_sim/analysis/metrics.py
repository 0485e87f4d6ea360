"""Every output metric, declared once: its unit, which direction is better, and a label.

Reports, statistics, the dashboard and the EMA Workbench export read these declarations, so a
metric cannot be "lower is better" in one place and "higher" in another, and a new metric that
is not declared here fails the registry test instead of being ranked the wrong way silently.

    from coprod_sim.analysis.metrics import direction, label_with_unit, metric
    direction("needs_residents_unmet")      # "lower"
    label_with_unit("cost_employers_gbp")    # "cash paid by employers (GBP)"
    metric("lever_cost_time_bank").label      # "cost of lever time bank"

``direction`` is "higher" (more is better), "lower" (less is better) or "neither" (a
description of the run, such as needs arisen or hours by channel, where more is not better
or worse on its own; statistics report no probability of "beating" the baseline on those).
Names are exact (``needs_met_total``) or members of a declared family with a placeholder
(``lever_cost_{lever}``, ``dep_q{q}_needs_lapsed``), for names generated from levers or
deprivation quintiles. An undeclared name raises ``UnknownMetricError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from coprod_sim.analysis.costs import PAYERS
from coprod_sim.mechanisms.needs import CHANNELS, SERVICES
from coprod_sim.mechanisms.outcomes import BARRIERS

Direction = Literal["higher", "lower", "neither"]
DIRECTIONS: tuple[str, ...] = ("higher", "lower", "neither")


class UnknownMetricError(KeyError):
    """A metric name that is neither declared nor a member of a declared family."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Metric:
    """One declared metric: ``unit`` (``"share"`` is 0-1), ``direction``, human ``label``."""

    name: str
    unit: str
    direction: Direction
    label: str

    @property
    def label_with_unit(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class Family:
    """Metrics generated from a template such as ``lever_cost_{lever}``."""

    template: str
    unit: str
    direction: Direction
    label: str  # may use the placeholder, e.g. "cost of lever {lever}"

    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"\{(\w+)\}", self.template)
        rx = ""
        for i, part in enumerate(parts):
            if i % 2:
                # a quintile is a number; a lever a name (never ending in _gbp, so a misspelt
                # payer's cost such as cost_employer_gbp is not taken for a lever's)
                rx += rf"(?P<{part}>\d+)" if part == "q" else rf"(?P<{part}>(?!.*_gbp$)[a-z]\w*)"
            else:
                rx += re.escape(part)
        return re.compile(rf"^{rx}$")

    def match(self, name: str) -> Metric | None:
        m = self.pattern().match(name)
        if m is None:
            return None
        words = {k: v.replace("_", " ") for k, v in m.groupdict().items()}
        return Metric(name, self.unit, self.direction, self.label.format(**words))


# units
SHARE, COUNT, HOURS, GBP, SCORE = "share 0-1", "count", "hours", "GBP", "score 0-1"

_EXACT: list[tuple[str, str, Direction, str]] = [
    # ---- run settings (reported beside the results; not outcomes)
    ("weeks", "weeks", "neither", "weeks of results"),
    ("week", "weeks", "neither", "week of results"),
    ("burn_in_weeks", "weeks", "neither", "weeks of burn-in"),
    ("burn_in", "flag 0/1", "neither", "week is part of the burn-in"),
    ("n_residents", "residents", "neither", "residents at the start"),
    ("seed", "id", "neither", "seed"),
    ("professional_hour_cost", "GBP/hour", "neither", "cost of a professional hour"),
    # ---- participation (last complete year)
    ("retention_formal", SHARE, "higher", "formal volunteers helping again next year"),
    ("dropout_12m_formal", SHARE, "lower", "new formal volunteers stopping within 12 months"),
    ("top10_hours_share", SHARE, "lower", "share of hours given by the busiest 10% of helpers"),
    (
        "older_unmet_care_share",
        SHARE,
        "lower",
        "residents 65+ with an everyday care need gone unmet in the year (Age UK's measure)",
    ),
    # ---- needs over the run
    ("needs_residents_arisen", COUNT, "neither", "residents' needs arisen"),
    ("needs_residents_served_distinct", COUNT, "higher", "residents' needs served"),
    ("needs_residents_unmet", COUNT, "lower", "residents' needs lapsed unmet"),
    ("roles_arisen", COUNT, "neither", "volunteer roles arisen"),
    ("roles_filled_distinct", COUNT, "higher", "volunteer roles filled"),
    ("roles_unfilled", COUNT, "lower", "volunteer roles lapsed unfilled"),
    ("needs_served_distinct", COUNT, "higher", "needs and roles served"),
    ("rematches", COUNT, "neither", "re-matches after a helper left"),
    ("needs_arisen", COUNT, "neither", "needs arisen"),
    ("needs_met_total", COUNT, "higher", "needs met"),
    ("needs_lapsed", COUNT, "lower", "needs lapsed unmet"),
    ("crises", COUNT, "lower", "crises"),
    ("emergency_responses", COUNT, "lower", "crises met by an emergency response"),
    ("emergency_hours", HOURS, "lower", "emergency-response hours to crises"),
    ("needs_open_end", COUNT, "lower", "needs still open at the end"),
    ("needs_past_standard_end", COUNT, "lower", "residents' needs past the standard at the end"),
    (
        "needs_residents_unmet_so_far",
        COUNT,
        "lower",
        "residents' needs lapsed or past the standard at the end",
    ),
    # ---- hours
    ("professional_hours", HOURS, "neither", "professional hours given to needs"),
    ("crisis_hours", HOURS, "lower", "professional hours given to crises"),
    ("volunteer_hours", HOURS, "neither", "volunteer hours"),
    ("professional_hours_paid", HOURS, "neither", "professional hours paid"),
    ("professional_hours_on_levers", HOURS, "neither", "paid professional hours on levers' tasks"),
    ("professional_hours_idle", HOURS, "neither", "paid professional hours idle"),
    ("police_callout_hours", HOURS, "neither", "police hours given to anti-social incidents"),
    # ---- money (cash over the run, by payer; volunteer time valued apart)
    ("professional_cost_gbp", GBP, "lower", "cost of professional staff"),
    ("lever_cost_total", GBP, "lower", "cost of the levers"),
    ("cost_total", GBP, "lower", "cash paid by every payer"),
    ("public_purse_cost_gbp", GBP, "lower", "cost to the public purse (council and central)"),
    ("volunteer_time_value_gbp", GBP, "neither", "volunteer time valued (not cash)"),
    ("crises_value_gbp", GBP, "lower", "crises at their nominal cost"),
    # ---- compare's single figures (against the paired baseline)
    ("lever_cost_gbp", GBP, "lower", "extra cost of the levers"),
    ("professional_hours_freed", HOURS, "neither", "professional hours freed"),
    ("crises_averted", COUNT, "higher", "crises averted"),
    ("crises_averted_value_gbp", GBP, "higher", "crises averted at their nominal cost"),
    ("net_gbp", GBP, "higher", "public purse saving against the baseline"),
    # ---- trust and fear (mean over residents)
    ("trust_neighbours_start", SCORE, "higher", "trust in neighbours at the start"),
    ("trust_neighbours_end", SCORE, "higher", "trust in neighbours at the end"),
    ("trust_services_start", SCORE, "higher", "trust in services at the start"),
    ("trust_services_end", SCORE, "higher", "trust in services at the end"),
    ("fear_of_commitment_start", SCORE, "lower", "fear of commitment at the start"),
    ("fear_of_commitment_end", SCORE, "lower", "fear of commitment at the end"),
    # ---- weekly series (this week's figure; coprod_sim/outputs/reporters.py)
    ("helping_share", SHARE, "higher", "residents helping this week"),
    ("helping_share_formal", SHARE, "higher", "residents helping formally this week"),
    ("helping_share_informal", SHARE, "higher", "residents helping informally this week"),
    ("needs_arisen_residents", COUNT, "neither", "residents' needs arisen"),
    ("needs_arisen_roles", COUNT, "neither", "volunteer roles arisen"),
    ("needs_lapsed_residents", COUNT, "lower", "residents' needs lapsed unmet"),
    ("open_needs", COUNT, "lower", "needs waiting"),
    ("mean_wait_weeks", "weeks", "lower", "mean wait of open needs"),
    ("needs_past_standard", COUNT, "lower", "residents' needs waiting past the standard"),
    ("burnouts", COUNT, "lower", "helpers burnt out"),
    ("dropouts", COUNT, "lower", "helpers dropping out"),
    ("vetting_waiting", COUNT, "lower", "residents waiting for vetting"),
    ("vetting_gave_up", COUNT, "lower", "residents giving up on vetting"),
    ("professional_hours_crisis", HOURS, "lower", "professional hours given to crises"),
    ("professional_capacity", HOURS, "neither", "professional hours available"),
    ("trust_neighbours", SCORE, "higher", "trust in neighbours"),
    ("trust_services", SCORE, "higher", "trust in services"),
    ("fear_of_commitment", SCORE, "lower", "fear of commitment"),
    ("incidents", COUNT, "lower", "anti-social incidents"),
    ("incidents_challenged", COUNT, "neither", "incidents challenged by residents"),
    ("incidents_left_alone", COUNT, "lower", "incidents nobody challenged"),
    ("interventions_succeeded", COUNT, "higher", "residents' interventions that worked"),
    ("interveners", COUNT, "higher", "residents who intervened"),
    ("police_backing", SCORE, "higher", "police backing"),
    ("expected_backing", SCORE, "higher", "backing residents expect"),
    ("police_callouts", COUNT, "neither", "incidents reported to the police"),
    ("cost_professional_staff", GBP, "lower", "cost of professional staff"),
    # ---- population turnover (weekly, and totals over the run; ages at the end)
    ("deaths", COUNT, "neither", "residents who died"),
    ("moved_away", COUNT, "neither", "residents who moved away"),
    ("newcomers", COUNT, "neither", "newcomers moving in"),
    ("residents_present", "residents", "neither", "residents present (the town's size)"),
    ("residents_present_end", "residents", "neither", "residents present at the end"),
    ("moved_in_growth", COUNT, "neither", "newcomers of a growing town (population trajectory)"),
    (
        "moved_out_shrinking",
        COUNT,
        "neither",
        "leavers of a shrinking town (population trajectory)",
    ),
    ("mean_age", "years", "neither", "mean age of residents"),
    ("share_65_plus", SHARE, "neither", "residents aged 65 or over"),
    ("mean_age_end", "years", "neither", "mean age of residents at the end"),
    ("share_65_plus_end", SHARE, "neither", "residents aged 65 or over at the end"),
    # ---- other local organisations (mechanism 13; weekly, and hours over the run)
    ("group_hours", HOURS, "neither", "hours volunteered with other local organisations"),
    ("group_share", SHARE, "neither", "residents holding a role in another local organisation"),
    # ---- a future (mechanisms.futures): the age mix, its target, demand, budget, capacity
    ("share_80_plus", SHARE, "neither", "residents aged 80 or over"),
    ("share_65_plus_target", SHARE, "neither", "the future's target share of residents 65+"),
    ("share_80_plus_target", SHARE, "neither", "the future's target share of residents 80+"),
    ("needs_arisen_per_1000", "per 1000 residents", "neither", "residents' needs arisen (demand)"),
    ("budget_share", SHARE, "neither", "services' budget as a share of today's"),
    ("share_80_plus_end", SHARE, "neither", "residents aged 80 or over at the end"),
    (
        "demand_per_1000_first_year",
        "per 1000 residents a year",
        "neither",
        "residents' needs arisen in the first year (demand)",
    ),
    (
        "demand_per_1000_last_year",
        "per 1000 residents a year",
        "neither",
        "residents' needs arisen in the last year (demand)",
    ),
    (
        "professional_capacity_first_year",
        "hours/week",
        "neither",
        "professional hours available in the first year",
    ),
    (
        "professional_capacity_last_year",
        "hours/week",
        "neither",
        "professional hours available in the last year",
    ),
]
_PAYER_LABELS = {
    "council_services": "the council's services (staff)",
    "council_levers": "the council (levers)",
    "employers": "employers",
    "central_government": "central government",
    "nhs": "the NHS (emergency responses)",
}
for _payer in PAYERS:
    _EXACT.append(
        (f"cost_{_payer}_gbp", GBP, "lower", f"cash paid by {_PAYER_LABELS.get(_payer, _payer)}")
    )
for _prefix, _how in (("", ""), ("formal_", "formal "), ("informal_", "informal ")):
    for _row, _dir, _words in (
        ("weekly", "higher", "at least weekly"),
        ("monthly", "neither", "monthly (not weekly)"),
        ("yearly", "neither", "yearly (not monthly)"),
        ("rarely", "neither", "less than yearly"),
        ("never", "lower", "never"),
        ("at_least_monthly", "higher", "at least monthly"),
        ("at_least_yearly", "higher", "at least yearly"),
    ):
        _EXACT.append(
            (f"participation_{_prefix}{_row}", SHARE, _dir, f"residents helping {_how}{_words}")
        )
for _b in BARRIERS:
    # shares of non-participants by main barrier add up to 1: one falls as another rises
    _EXACT.append((f"barrier_{_b}", SHARE, "neither", f"main barrier: {_b.replace('_', ' ')}"))
for _c in CHANNELS:
    _w = _c.replace("_", " ")
    _EXACT.append((f"needs_met_{_c}", COUNT, "neither", f"needs met by {_w}"))
    _EXACT.append((f"met_{_c}", COUNT, "neither", f"needs met by {_w}"))
    _EXACT.append((f"hours_{_c}", HOURS, "neither", f"hours given by {_w}"))
for _s in SERVICES:
    _w = _s.replace("_", " ")
    _EXACT.append((f"staff_cost_{_s}_gbp", GBP, "lower", f"cost of {_w} staff"))
    _EXACT.append((f"professional_hours_{_s}", HOURS, "neither", f"{_w} hours given to needs"))
    _EXACT.append((f"professional_hours_paid_{_s}", HOURS, "neither", f"{_w} hours paid"))
    for _stat, _words in (("median", "median"), ("p90", "90th percentile"), ("max", "longest")):
        _EXACT.append(
            (f"wait_{_stat}_weeks_{_s}", "weeks", "lower", f"{_words} wait for {_w} (needs met)")
        )

#: every exactly named metric
METRICS: dict[str, Metric] = {}
for _name, _unit, _dir, _label in _EXACT:
    if _name in METRICS:
        raise RuntimeError(f"metric '{_name}' is declared twice")
    METRICS[_name] = Metric(_name, _unit, _dir, _label)

#: generated names, tried in order after the exact names
FAMILIES: tuple[Family, ...] = (
    Family("lever_cost_{lever}", GBP, "lower", "cost of lever {lever}"),
    Family("cost_{lever}", GBP, "lower", "cost of {lever}"),  # weekly series, per lever
    Family("dep_q{q}_needs_met", COUNT, "higher", "needs met, deprivation quintile {q}"),
    Family("dep_q{q}_needs_lapsed", COUNT, "lower", "needs lapsed unmet, deprivation quintile {q}"),
    Family(
        "dep_q{q}_lapsed_share", SHARE, "lower", "share of needs lapsed, deprivation quintile {q}"
    ),
    Family(
        "dep_q{q}_needs_per_1000_residents",
        "per 1000 residents",
        "neither",
        "needs per 1000 residents, deprivation quintile {q}",
    ),
)


def find(name: str) -> Metric | None:
    """The declaration of ``name`` (exact, then the first family it belongs to), or None."""
    if name in METRICS:
        return METRICS[name]
    for fam in FAMILIES:
        m = fam.match(name)
        if m is not None:
            return m
    return None


def is_declared(name: str) -> bool:
    return find(name) is not None


def metric(name: str) -> Metric:
    """The declaration of ``name``; ``UnknownMetricError`` names it if it is not declared."""
    m = find(name)
    if m is None:
        raise UnknownMetricError(
            f"metric '{name}' is not declared in coprod_sim/analysis/metrics.py; allowed: a "
            f"declared name ({len(METRICS)} names, e.g. needs_met_total) or a family ("
            + ", ".join(f.template for f in FAMILIES)
            + ")"
        )
    return m


def direction(name: str) -> Direction:
    """ "higher", "lower" or "neither": which way ``name`` is better."""
    return metric(name).direction


def unit(name: str) -> str:
    return metric(name).unit


def label(name: str) -> str:
    return metric(name).label


def label_with_unit(name: str) -> str:
    """A figure title: the label and the unit, e.g. "needs lapsed unmet (count)"."""
    return metric(name).label_with_unit


def sign(name: str) -> float:
    """+1 where higher is better, -1 where lower is, 0 for "neither" (undeclared: an error)."""
    return {"higher": 1.0, "lower": -1.0, "neither": 0.0}[direction(name)]


def lower_is_better_names() -> tuple[str, ...]:
    """The exact names and family templates declared lower-is-better (for documentation)."""
    return tuple(n for n, m in METRICS.items() if m.direction == "lower") + tuple(
        f.template for f in FAMILIES if f.direction == "lower"
    )
