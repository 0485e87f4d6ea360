"""Mechanism 9 (first part), outcomes: participation, barriers, load, needs and costs.

Participation of a year follows the survey's categories (IPPR/PwC Capable Communities 2010):
a resident who gave help in at least ``weekly_min_weeks`` weeks of the year is "weekly", in at
least ``monthly_min_months`` of its thirteen 4-week months "monthly", in at least one week
"yearly"; one who gave none this year but has helped at some time in the simulated history
(burn-in included) "rarely"; the rest "never". Each resident's help is recorded three ways:
any help, formal help (through an organisation: open calls, referrals, the time bank and
levers' channels, help a community entrepreneur arranges, every channel but "informal") and
informal help (a neighbour helping a tie). The survey's ``calibrate`` rows are volunteering
"with a local organisation", so they are compared with the formal measure.

Retention: of the residents who helped formally in one year, the share who helped formally
again in the next (``retention_formal``); 12-month dropout: of the year's new formal
volunteers (helped formally this year and not the year before), the share who gave no formal
help in the next year (``dropout_12m_formal``).

Help by activity: the share of all residents who gave help (any channel) with each activity of
the survey's stated-willingness questions in the year (``helped_<activity>``); the survey's
willingness shares are upper bounds on these (calibration checks them on every accepted set).

The barrier of a non-participant is the factor that holds their decision to help back the
most against a stated reference resident (asked, aware, trusting, confident, unafraid, insured,
with time enough): the one whose reference value alone raises their chance of helping most
under the model's chosen ``help`` rule, for a typical task among the activities they are
willing to do (``barriers``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from coprod_sim.data.survey import survey_value
from coprod_sim.mechanisms import life_history, trust
from coprod_sim.mechanisms.decision import GAIN_FACTORS, help_gains_pass
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, CHANNELS, UNMET, hours_this_week
from coprod_sim.mechanisms.services import staff_cost_week
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.arrays import add_by_helper, one_blas_thread, ordered_mean
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.network import tie_counts_update
from coprod_sim.state.occupancy import has_vacancies
from coprod_sim.state.population import GAVE_UP, LONG_AGO, RETIRED, VETTING
from coprod_sim.state.willingness import ACTIVITY_NAMES, willingness_matrix

if TYPE_CHECKING:
    from mesa import Model


#: each resident's record of help given, as the survey counts it (any, formal, informal)
STATE = (
    StateColumn("hours_given", "float32", "hours", "hours given over the run", start=0.0),
    StateColumn("hours_year", "float32", "hours", "hours given in the current year", start=0.0),
    StateColumn("weeks_year", "int16", "weeks",
                "weeks with any help given in the current year", start=0),
    StateColumn("months_year", "int8", "months",
                "4-week months of the current year with any help given", start=0),
    StateColumn("helped_ever", "bool", "bool",
                "has helped (formally or informally) in the simulated history", start=False),
    StateColumn("last_help_week", "int32", "week", "last week the resident gave help",
                start=LONG_AGO),
    StateColumn("weeks_year_formal", "int16", "weeks",
                "weeks with formal help given in the current year", start=0),
    StateColumn("months_year_formal", "int8", "months",
                "4-week months of the current year with formal help", start=0),
    StateColumn("last_formal_week", "int32", "week",
                "last week the resident helped formally; -10000 never", start=LONG_AGO),
    StateColumn("formal_ever", "bool", "bool",
                "has helped formally in the simulated history (with burn-in)", start=False),
    StateColumn("weeks_year_informal", "int16", "weeks",
                "weeks with informal help given in the current year", start=0),
    StateColumn("months_year_informal", "int8", "months",
                "4-week months of the current year with informal help", start=0),
    StateColumn("last_informal_week", "int32", "week",
                "last week the resident helped informally; -10000 never", start=LONG_AGO),
    StateColumn("informal_ever", "bool", "bool",
                "has helped informally in the simulated history", start=False),
    StateColumn("formal_years", "uint8", "bitmask",
                "bit 0: helped formally in the last completed year; bit 1: in the year before",
                start=0),
    StateColumn("activities_year", "uint16", "bitmask",
                "activities helped with this year, any channel (bit a = `ACTIVITY_NAMES[a]`)",
                start=0),
    StateColumn("last_year_class", "int8", "-1 none, 0-4",
                "participation class of the last completed year (index into `PARTICIPATION`)",
                start=-1),
    StateColumn("last_year_class_formal", "int8", "-1 none, 0-4",
                "the same class counting formal help only (the survey's measure)", start=-1),
    StateColumn("last_year_class_informal", "int8", "-1 none, 0-4",
                "the same class counting informal help only", start=-1),
)  # fmt: skip


class OutcomeParams(Strict):
    """Mechanism 9: how participation is classified, as the survey did."""

    weekly_min_weeks: int = param(
        40,
        unit="weeks/year",
        role="world",
        ge=1,
        le=52,
        source=ASSUME + " (survey 'at least once a week', allowing for holidays)",
        doc="Weeks of helping in a year that count as 'weekly' participation.",
    )
    monthly_min_months: int = param(
        8,
        unit="4-week months/year",
        role="world",
        ge=1,
        le=13,
        source=ASSUME + " (survey 'at least once a month', allowing for holidays)",
        doc="Four-week months (of 13 a year) with some help that count as 'monthly' participation.",
    )

    burn_in_years: int = param(
        8,
        unit="years",
        role="run",
        ge=0,
        le=50,
        source=ASSUME + " (long enough that trust, fear and formal participation settle: "
        "benchmarks/calibration_check.py)",
        doc="Years the town runs before results start (weeks numbered -52 x burn_in_years .. 0; "
        "no levers act; outputs leave these weeks out by default). 0: results start at once "
        "from the drawn town.",
    )


PARTICIPATION: tuple[str, ...] = ("weekly", "monthly", "yearly", "rarely", "never")
#: how help is counted: any help, formal help only, informal help only
MEASURES: tuple[str, ...] = ("any", "formal", "informal")
BARRIERS: tuple[str, ...] = (
    "time",
    "never_asked",
    "unaware",
    "fear_of_commitment",
    "liability",
    "trust",
    "confidence",
    "vetting",
    "not_willing",
)
#: "never asked" means not asked personally by an organisation within this many weeks (the
#: last year)
ASKED_RECENT_WEEKS = 52
#: survey figures to compare with (survey_targets.csv; cumulative where the survey is)
SURVEY_PARTICIPATION = {
    key: (tid, survey_value(tid), label)
    for key, tid, label in (
        ("weekly", "vol_weekly", "at least weekly"),
        ("monthly", "vol_monthly", "at least monthly (includes weekly)"),
        ("yearly", "vol_yearly", "at least yearly (lower bound)"),
        ("rarely", "vol_rarely", "less than once a year"),
        ("never", "vol_never", "never"),
    )
}


def participation_class(
    weeks: np.ndarray,
    months: np.ndarray,
    helped_ever: np.ndarray,
    weekly_min: int,
    monthly_min: int,
) -> np.ndarray:
    """Survey category of each resident (index into PARTICIPATION) from the weeks and the
    4-week months of the year in which they helped."""
    return np.select(
        [weeks >= weekly_min, months >= monthly_min, weeks >= 1, helped_ever],
        [0, 1, 2, 3],
        default=4,
    ).astype(np.int8)


def participation_shares(classes: np.ndarray) -> dict[str, float]:
    """Shares per category and the survey's cumulative ones (``at_least_monthly``...)."""
    valid = classes[classes >= 0]
    n = max(len(valid), 1)
    counts = np.bincount(valid, minlength=len(PARTICIPATION)) / n
    out = {name: float(c) for name, c in zip(PARTICIPATION, counts, strict=True)}
    out["at_least_monthly"] = out["weekly"] + out["monthly"]
    out["at_least_yearly"] = out["at_least_monthly"] + out["yearly"]
    return out


def activity_shares(activities_year: np.ndarray) -> dict[str, float]:
    """Share of all residents who helped with each activity this year (``helped_<activity>``,
    any channel): the survey's stated-willingness shares are upper bounds on these."""
    n = max(len(activities_year), 1)
    return {
        f"helped_{name}": float(np.count_nonzero(activities_year & np.uint16(1 << a)) / n)
        for a, name in enumerate(ACTIVITY_NAMES)
    }


def older_unmet_care_share(care_unmet_year: np.ndarray, age_group: np.ndarray) -> float:
    """Share of residents 65+ who had an everyday care need (``needs.OLDER_CARE_KINDS``) lapse
    unmet in the year: Age UK's "older people living with some unmet need for care" (2018,
    English Longitudinal Study of Ageing: 1.6 million of England's 65+, help with activities
    of daily living or instrumental ones not received). An emergency response to a crisis is
    help, so it does not count."""
    old = age_group == RETIRED
    return float(care_unmet_year[old].mean()) if old.any() else float("nan")


def top_share(hours: np.ndarray, top: float = 0.1) -> float:
    """Share of all hours given by the top ``top`` fraction of those who gave any."""
    h = hours[hours > 0]
    if len(h) == 0:
        return float("nan")
    k = max(1, int(np.ceil(top * len(h))))
    return float(np.partition(h, len(h) - k)[len(h) - k :].sum() / h.sum())


#: the reference resident against whom barriers are measured (``barriers``): asked personally,
#: aware of the opportunity, fully trusting (of the person and the place), fully confident,
#: without fear of commitment, insured (no liability), and with time enough that the default
#: decision's time term is at its cap (spare hours at least e times the task's). Reward,
#: example and fatigue are held at the resident's own values: they are not among the survey's
#: barriers.
REFERENCE_RESIDENT = {
    "asked": True,
    "aware": True,
    "trust": 1.0,
    "confidence": 1.0,
    "fear_of_commitment": 0.0,
    "insured": True,
    "spare_over_task_hours": float(np.e),
}
#: the factor of the decision (``decision.GAIN_FACTORS``) behind each soft barrier, in
#: BARRIERS order
BARRIER_TERMS: tuple[tuple[str, str], ...] = (
    ("time", "time"),
    ("never_asked", "asked"),
    ("unaware", "aware"),
    ("fear_of_commitment", "commitment"),
    ("liability", "liability"),
    ("trust", "trust"),
    ("confidence", "confidence"),
)


def barrier_contributions(model: Model, who: np.ndarray) -> dict[str, np.ndarray]:
    """How much each factor holds each resident in ``who`` back: the rise in their chance of
    helping (the model's chosen ``help`` rule, ``model.rules``) when that factor alone is set
    to the reference resident's value (``REFERENCE_RESIDENT``; time: at least the reference's
    spare hours), for a typical task among the activities they are willing to do (mean hours,
    growth and risk of the matching kinds of need). Every contribution is 0 or more; the
    largest is the factor whose change alone would raise the chance of helping the most.
    Computed by ``decision.help_gains_pass``, so a replaced rule is what is asked: a rule
    blind to trust makes trust nobody's barrier.

    Asked means asked personally within the last ``ASKED_RECENT_WEEKS`` weeks by an
    organisation: a service, professional, coordinator or connector (``pop.last_asked_week``).
    A neighbour asking a favour (``pop.last_asked_informal_week``) does not count: the
    survey's "had never been asked" is about being asked to take part, and the typical task
    here is a formal one, for which awareness of opportunities counts too."""
    pop, k = model.pop, model.kinds
    W = willingness_matrix(pop.willing[who]).astype(np.float32)
    n_act = W.shape[1]
    props = np.zeros((n_act, 3), np.float32)  # hours, growth, risk per activity
    for a in range(n_act):
        sel = k.activity == a
        if sel.any():
            props[a] = [k.hours[sel].mean(), k.growth[sel].mean(), k.risk[sel].mean()]
    count = W.sum(1)
    with one_blas_thread():  # a small product: a second BLAS thread would only spin after it
        typ = (W @ props) / np.maximum(count, 1)[:, None]
    spare = pop.free_hours[who] + pop.time_off[who] - pop.committed[who]
    since = model.week - ASKED_RECENT_WEEKS
    asked = pop.last_asked_week[who] > since
    example = model.example_count[who] * model.graph.inv_deg[who].astype(np.float64)
    r = REFERENCE_RESIDENT
    gains = help_gains_pass(
        model,
        np.ascontiguousarray(spare), np.ascontiguousarray(typ[:, 0]), pop.trust_nbr[who],
        pop.confidence[who], pop.fear_commit[who], np.ascontiguousarray(typ[:, 1]),
        pop.fear_liab[who], np.ascontiguousarray(typ[:, 2]), pop.insured[who], asked,
        pop.aware[who], pop.reward[who], example, pop.fatigue[who], model.weights,
        np.maximum(typ[:, 0], 1e-3) * r["spare_over_task_hours"], float(r["trust"]),
        float(r["confidence"]), float(r["fear_of_commitment"]), bool(r["insured"]),
        bool(r["asked"]), bool(r["aware"]),
    )  # fmt: skip
    row = {f: i for i, f in enumerate(GAIN_FACTORS)}
    return {b: gains[row[factor]] for b, factor in BARRIER_TERMS}


def barriers(model: Model, who: np.ndarray) -> np.ndarray:
    """Main barrier (index into BARRIERS) of each resident in ``who``.

    Hard barriers first: stated no willingness at all ("not_willing"), fewer spare hours than
    ``min_free_hours`` ("time"), waiting for or given up on a vetting check ("vetting"). Else
    the factor that holds them back most against the reference resident
    (``barrier_contributions``; ties go to the first in BARRIERS order)."""
    pop, p = model.pop, model.params
    out = np.full(len(who), -1, np.int8)
    if len(who) == 0:
        return out
    c = barrier_contributions(model, who)
    # argmax over the factors, one pass per factor (no N x 7 matrix; first maximum wins)
    soft = [c[b] for b, _ in BARRIER_TERMS]
    best = np.asarray(soft[0], np.float64).copy()
    out[:] = BARRIERS.index(BARRIER_TERMS[0][0])
    for b, term in zip((b for b, _ in BARRIER_TERMS[1:]), soft[1:], strict=True):
        higher = term > best
        out[higher] = BARRIERS.index(b)
        np.maximum(best, term, out=best)
    spare = pop.free_hours[who] + pop.time_off[who] - pop.committed[who]
    count = willingness_matrix(pop.willing[who]).sum(1)
    vs = pop.vet_status[who]
    out[(vs == VETTING) | (vs == GAVE_UP)] = BARRIERS.index("vetting")
    out[spare < p.min_free_hours] = BARRIERS.index("time")
    out[count == 0] = BARRIERS.index("not_willing")
    return out


def barrier_shares(codes: np.ndarray) -> dict[str, float]:
    valid = codes[codes >= 0]
    n = max(len(valid), 1)
    counts = np.bincount(valid, minlength=len(BARRIERS)) / n
    return {b: float(c) for b, c in zip(BARRIERS, counts, strict=True)}


@njit(cache=True, nogil=True)
def credit_helpers(
    week_hours, hours_year, hours_given, weeks_year, months_year, last_help, ever, week, wpm
):
    """Mechanism 9's record of helpers (``deliver``): each resident with hours this
    week (``week_hours`` > 0, then reset to zero) gets them (in single precision as stored), a
    week of help, a month of help if the last help was in another ``wpm``-week month, and
    ``week`` as the last week helped. Returns (the helpers, ascending; the hours credited to
    each): one pass over the residents finds them in order, with no sort."""
    n = len(week_hours)
    helpers = np.empty(n, np.int64)
    hh = np.empty(n, np.float32)
    this_month = week // wpm
    m = 0
    for h in range(n):
        if week_hours[h] <= 0.0:
            continue
        x = np.float32(week_hours[h])
        week_hours[h] = 0.0
        hours_year[h] += x
        hours_given[h] += x
        weeks_year[h] += 1
        if last_help[h] // wpm != this_month:
            months_year[h] += 1
        last_help[h] = week
        ever[h] = True
        helpers[m] = h
        hh[m] = x
        m += 1
    return helpers[:m], hh[:m]


#: a week's marks in ``kinds_of_help`` are ``(week + MARK_OFFSET) * 4 + flags``: positive for
#: every week of a burn-in, and older than any mark of this week
MARK_OFFSET = 1 << 20
FORMAL, INFORMAL = 1, 2  # the flags of a mark


@njit(cache=True, nogil=True)
def kinds_of_help(helper, informal, bits, marks, week, activities):
    """Which kinds of help (``FORMAL``, ``INFORMAL``) each helper of this week's matched rows
    gave, in one pass with no sort: ``marks`` (one int64 per resident, kept between weeks)
    holds a resident's flags of this week (a mark of an earlier week counts as none). Each
    helper's activity bits of the year are set on the way (``activities |= bit``)."""
    base = (week + MARK_OFFSET) * 4
    for i in range(len(helper)):
        h = helper[i]
        if h < 0:
            continue
        activities[h] |= bits[i]
        m = marks[h]
        if m < base:  # the first of this helper's rows this week
            m = base
        marks[h] = m | (INFORMAL if informal[i] else FORMAL)


@njit(cache=True, nogil=True)
def credit_weeks(helpers, marks, flag, weeks_year, months_year, last_week, ever, week, wpm):
    """Formal or informal record of helpers: each resident in ``helpers`` (distinct) whose
    mark of this week (``kinds_of_help``) has ``flag`` gets a week of help of this kind, a
    month of help if their last help of this kind was in another ``wpm``-week month, ``week``
    as the last week of this kind of help, and is marked as having helped. Returns how many
    were credited."""
    base = (week + MARK_OFFSET) * 4
    this_month = week // wpm
    count = 0
    for j in range(len(helpers)):
        h = helpers[j]
        if marks[h] < base or (marks[h] - base) & flag == 0:
            continue
        weeks_year[h] += 1
        if last_week[h] // wpm != this_month:
            months_year[h] += 1
        last_week[h] = week
        ever[h] = True
        count += 1
    return count


# ------------------------------------------------------------------------------ phases
WEEKS_PER_MONTH = 4  # the year is 13 four-week months
WEEKS_PER_YEAR = 52


def deliver(model: Model) -> None:
    """Helpers give their hours (their weeks and months of help are counted: all help, and
    formal and informal help apart), professionals theirs (the staff employed are paid, busy or
    not); needs end (crises after their weeks, others with the kind's hazard) and those that
    ended well raise trust (mechanism 5)."""
    n, k, pop = model.needs, model.kinds, model.pop
    professional = CHANNEL_INDEX["professional"]
    rows = (n.channel != UNMET).nonzero()[0]
    ch, kind, helper, crisis = n.channel[rows], n.kind[rows], n.helper[rows], n.crisis[rows]
    # a recurring need meeting in sessions gives its hours in its session weeks only
    hours = hours_this_week(model, rows).astype(np.float64)
    by_channel = np.bincount(ch, weights=hours, minlength=len(CHANNELS))
    model.week_hours_by_channel = by_channel
    model.hours_by_channel_total += by_channel
    pro_hours = by_channel[professional]
    model.week_crisis_hours = float(hours[crisis & (ch == professional)].sum())
    model.crisis_hours_total += model.week_crisis_hours
    model.professional_hours_total += pro_hours
    # staff are paid for the hours they are employed, busy or not (mechanism 9: costs)
    pro = ch == professional
    model.week_professional_hours_by_service = np.bincount(
        k.service.take(kind[pro]), weights=hours[pro], minlength=len(model.service_capacity)
    )
    model.costs["professional_staff"] += staff_cost_week(model)

    # each helper's hours this week, summed once (in a buffer kept at zero between weeks:
    # the week's helpers are those with a positive sum; a need between its sessions takes
    # none, so its helper did not help with it this week)
    week_hours = model.week_hours_buffer
    add_by_helper(helper, hours, week_hours)
    uniq, hh = credit_helpers(
        week_hours, pop.hours_year, pop.hours_given, pop.weeks_year, pop.months_year,
        pop.last_help_week, pop.helped_ever, model.week, WEEKS_PER_MONTH,
    )  # fmt: skip
    # which kinds of help each helper gave (formal, informal), and the activities each gave
    # help with this year (checked against stated willingness)
    kinds_of_help(
        np.where(hours > 0, helper, -1), ch == CHANNEL_INDEX["informal"], k.activity_bit.take(kind),
        model.helper_marks, model.week, pop.activities_year,
    )  # fmt: skip
    for name, flag in (("formal", FORMAL), ("informal", INFORMAL)):
        model.events[f"helpers_{name}"] = credit_weeks(
            uniq, model.helper_marks, flag, getattr(pop, f"weeks_year_{name}"),
            getattr(pop, f"months_year_{name}"), getattr(pop, f"last_{name}_week"),
            getattr(pop, f"{name}_ever"), model.week, WEEKS_PER_MONTH,
        )  # fmt: skip
    model.examples.update(model, uniq)
    model.events["helpers"] = len(uniq)
    model.events["volunteer_hours"] = float(hh.sum(dtype=np.float64))

    # which needs end this week
    rng = model.rng_for("ending")
    n.crisis_left[rows[crisis]] -= 1
    # (``take``: faster than indexing by int16 kinds)
    ends = np.where(
        crisis, n.crisis_left[rows] <= 0, rng.random(len(rows)) < k.end_hazard.take(kind)
    )
    done = rows[ends]
    # helpers are freed of the hours of needs that end (committed is exact at week's end:
    # the year's barriers and end-of-week levers read it)
    add_by_helper(n.helper[done], -n.hours[done], pop.committed)  # x + -h == x - h
    trust.good_experiences(model, done)
    model.events["needs_done"] += len(done)
    # needs given up unmet this week (marked by ``needs.wait``): service roles apart
    model.events["lapsed_roles"] = int(np.count_nonzero(n.owner[model.lapsed] < 0))
    # they leave the table at the week's end (``needs.leave_table``), with the needs of
    # residents who die or move away (turnover): one compaction a week
    n.leaving[done] = True
    n.leaving |= model.lapsed


class RecentHelpers:
    """Who helped within the last ``weeks`` weeks, and how many of each resident's ties did
    (``example_count``: the decision's "example" term). Updated touching only residents whose
    status changed: those who helped now and were not recent, and those whose last help was
    ``weeks`` ago (read from the list of who helped that week, kept for ``weeks`` weeks).
    A week may be recorded in parts (delivery's helpers, then local groups' sessions): each
    part lists residents not yet credited that week."""

    def __init__(self, n_residents: int, weeks: int) -> None:
        self.weeks = weeks
        self.recent = np.zeros(n_residents, bool)
        self.count = np.zeros(n_residents, np.int16)
        self.helped_in: dict[int, np.ndarray] = {}

    def update(self, model: Model, helped: np.ndarray) -> None:
        w, span = model.week, self.weeks
        on = helped[~self.recent[helped]]
        old = self.helped_in.pop(w - span, None)
        off = old[model.pop.last_help_week[old] == w - span] if old is not None else old
        earlier = self.helped_in.get(w)
        self.helped_in[w] = helped if earlier is None else np.concatenate([earlier, helped])
        if off is not None and len(off):
            changed = np.concatenate([on, off])
            sign = np.concatenate([np.ones(len(on), np.int16), np.full(len(off), -1, np.int16)])
        else:
            changed, sign = on, np.ones(len(on), np.int16)
        if len(changed):
            self.recent[on] = True
            if off is not None:
                self.recent[off] = False
            tie_counts_update(model.graph, self.count, changed, sign)


def close_year(model: Model) -> None:
    """At the end of each 52-week year: participation classes (any, formal and informal help),
    formal retention and 12-month dropout, and barriers; yearly tallies start again."""
    if model.week % WEEKS_PER_YEAR != 0:
        return
    pop, p = model.pop, model.params
    wk, mm = p.weekly_min_weeks, p.monthly_min_months
    ever = life_history.close_year(model)  # helped here, or before moving in
    pop.last_year_class[:] = participation_class(
        pop.weeks_year, pop.months_year, ever["any"], wk, mm
    )
    pop.last_year_class_formal[:] = participation_class(
        pop.weeks_year_formal, pop.months_year_formal, ever["formal"], wk, mm
    )
    pop.last_year_class_informal[:] = participation_class(
        pop.weeks_year_informal, pop.months_year_informal, ever["informal"], wk, mm
    )
    # retention: this year's formal helpers among last year's (bit 0) and new ones (bit 0, not 1)
    now = pop.weeks_year_formal > 0
    last = (pop.formal_years & 1).astype(bool)
    before = (pop.formal_years & 2).astype(bool)
    years_closed = (model.week + model.burn_in_weeks) // WEEKS_PER_YEAR
    retention, dropout = retention_and_dropout(now, last, before, years_closed)
    pop.formal_years[:] = ((pop.formal_years << 1) | now) & 3
    record = {"week": int(model.week), "burn_in": bool(model.week <= 0 < model.burn_in_weeks)}
    here = pop.present if has_vacancies(model) else slice(None)  # residents, not vacant rows
    for measure, classes in (
        ("any", pop.last_year_class),
        ("formal", pop.last_year_class_formal),
        ("informal", pop.last_year_class_informal),
    ):
        for c, v in participation_shares(classes[here]).items():
            record[f"participation_{measure}_{c}"] = v
    record["retention_formal"] = retention
    record["dropout_12m_formal"] = dropout
    record.update(activity_shares(pop.activities_year[here]))
    record["older_unmet_care_share"] = older_unmet_care_share(
        pop.care_unmet_year[here], pop.age[here]
    )
    model.years.append(record)
    non = (pop.weeks_year == 0).nonzero()[0]
    if has_vacancies(model):
        non = non[pop.present[non]]
    model.barrier_codes[:] = -1
    model.barrier_codes[non] = barriers(model, non)
    model.hours_last_year = pop.hours_year.copy()
    for tally in (
        pop.weeks_year, pop.months_year, pop.hours_year, pop.weeks_year_formal,
        pop.months_year_formal, pop.weeks_year_informal, pop.months_year_informal,
        pop.activities_year, pop.care_unmet_year,
    ):  # fmt: skip
        tally[:] = 0


def retention_and_dropout(
    now: np.ndarray, last: np.ndarray, before: np.ndarray, years_closed: int
) -> tuple[float, float]:
    """(retention, 12-month dropout) of formal volunteers at the end of a year.

    Retention: of those who helped formally last year (``last``), the share who did again this
    year (``now``); NaN when fewer than two years are complete or nobody helped last year.
    Dropout: of last year's new formal volunteers (``last`` and not ``before``), the share who
    gave no formal help this year; NaN when fewer than three years are complete (the year
    before last is unknown) or there were none."""
    nan = float("nan")
    n_last = int(np.count_nonzero(last))
    retention = np.count_nonzero(now & last) / n_last if years_closed >= 2 and n_last else nan
    new = last & ~before
    n_new = int(np.count_nonzero(new))
    dropout = np.count_nonzero(new & ~now) / n_new if years_closed >= 3 and n_new else nan
    return float(retention), float(dropout)


def means(model: Model) -> dict[str, float]:
    """Mean trust and fear of commitment over residents (summed in a fixed order, so the same
    to the bit on any CPU): the start-of-run means and the weekly figures."""
    pop = model.pop
    if has_vacancies(model):  # residents only, not a growing town's vacant rows
        here = pop.present
        return {
            "trust_neighbours": ordered_mean(pop.trust_nbr[here]),
            "trust_services": ordered_mean(pop.trust_svc[here]),
            "fear_of_commitment": ordered_mean(pop.fear_commit[here]),
        }
    return {
        "trust_neighbours": ordered_mean(pop.trust_nbr),
        "trust_services": ordered_mean(pop.trust_svc),
        "fear_of_commitment": ordered_mean(pop.fear_commit),
    }


def reset_run_totals(model: Model) -> None:
    """Every total a summary reports over the run starts again from zero, and the start-of-run
    means are taken now (at the end of the burn-in). State (trust, commitments, open needs,
    histories) is kept: that is what the burn-in is for."""
    model.costs_total.clear()
    for total in (
        model.met_by_kind_channel, model.hours_by_channel_total, model.lapsed_by_kind,
        model.crises_by_kind, model.met_by_nbhd, model.lapsed_by_nbhd, model.pop.hours_given,
        model.left_open_by_kind,
    ):  # fmt: skip
        total[...] = 0
    model.professional_hours_total = 0.0
    model.crisis_hours_total = 0.0
    model.start_means = means(model)
