"""Mechanism 8, collective action in public safety: who stands up to anti-social behaviour.

Residents intervene against anti-social behaviour only if they expect backing from neighbours
and police ("if you could guarantee that the police would back you up", Capable Communities
2010). The rule is a Granovetter-style threshold decision on the social graph, run once a week
after the channels (see ``CoproductionModel.step``):

1. **Incidents arise** in each neighbourhood ``b`` as Poisson(``incident_rate`` / 1000 x
   residents_b x (1 + ``deprivation_incident_effect`` x deprivation_b)).
2. **Witnesses**: ``witnesses_per_incident`` residents of the block, drawn uniformly, see it.
3. **Expected backing** of witness ``i`` in block ``b``::

       B_i = (1 - backing_weight_ties) * E_b + backing_weight_ties * S_i
             + police_backing_weight * P

   ``E_b`` is the neighbourhood's expected backing (the share of neighbours people expect to
   back them; it starts at the block's baseline trust), ``S_i`` the share of i's ties who
   intervened successfully within ``recent_intervention_weeks`` (the cascade on the graph) and
   ``P`` police backing: mean attitude of public-safety staff x the share of the hours asked
   of them that they are giving: ``met / (met + waiting)``, with ``met`` the hours of the
   public-safety needs professionals are meeting this week (call-outs among them) and
   ``waiting`` the hours of those still waiting for them (1 when nothing is asked). Police
   who attend what is reported back residents up; a queue they cannot clear does not.
4. **Threshold**::

       theta_i = intervention_threshold + threshold_fear_weight * fear_retal_i
                 - threshold_confidence_weight * (confidence_i - 0.5)
                 - threshold_training_effect * trained_i

   (``trained_i`` is read from ``pop.trained`` when a lever adds it, else 0). A witness
   intervenes iff ``B_i >= theta_i``; an incident with at least one intervener is challenged.
5. **Outcome**: a challenged incident succeeds with probability
   ``s0 + (1 - s0) * min(1, mean B of its interveners)`` (``s0 = intervention_success_base``).
   Each success per 1000 residents raises ``E_b`` by ``backing_gain`` of the gap to 1,
   marks the interveners as recent successful interveners (their ties' ``S`` rises) and
   lowers the witnesses' fear of retaliation by ``success_fear_relief`` of its level. A
   failed intervention raises the interveners' fear by ``retaliation_fear_gain`` of the gap
   to 1.
6. **Incidents left alone** lower ``E_b`` by ``backing_loss`` of its level per incident per
   1000 residents of the block, lower the
   neighbour trust of every resident of the block by ``unchallenged_trust_loss`` of its level
   per left-alone incident per 1000 residents, and raise the witnesses' fear of retaliation by
   ``unchallenged_fear_gain`` of the gap to 1. Left-alone and failed incidents are reported to
   the police by their first witness: each becomes a need of kind ``asb_callout`` (public
   safety, professional only) of ``police_hours_per_incident`` hours in the incident's
   neighbourhood, owned by that witness. It waits in the public-safety queue and is met, like
   any need, from public-safety capacity (so its hours are paid within the staff cost); one not
   attended within its kind's ``max_wait_weeks`` lapses unmet. (With need kinds that lack
   ``asb_callout``, the call-out hours only count as waiting hours in ``P``.)
7. ``E_b`` relaxes towards the block's baseline trust ``nb.trust_base`` by
   ``backing_relaxation`` a week.
8. **Fear fades**: each week every resident's fear of retaliation moves
   ``fear_retal_relaxation`` of the way back to their own baseline ``pop.fear_retal_base``
   (their fear when the town was drawn), as fear of commitment fades to its baseline. Without
   it fear only rose (most incidents are left alone, and only successes lowered it), so it
   crept up year after year and the share of incidents challenged kept falling; with it, fear
   settles where what witnesses see balances what they forget. (Fading to the town's mean
   instead would erase the few bold residents who do intervene.)

With ``incident_rate = 0`` the phase draws nothing and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms.needs import ASB_CALLOUT, SERVICE_INDEX, UNMET
from coprod_sim.mechanisms.trust import lower_towards_zero, raise_towards_one
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.arrays import expand_rows, ordered_mean
from coprod_sim.state.network import Graph
from coprod_sim.state.occupancy import has_vacancies, residents_by_block, someone_in

if TYPE_CHECKING:
    from mesa import Model


class CollectiveActionParams(Strict):
    """Mechanism 8: incidents, backing, thresholds."""

    incident_rate: float = param(
        1.0,
        unit="incidents per 1000 residents/week",
        role="world",
        ge=0,
        le=100,
        source="ONS Crime in England and Wales: police record about 1-2 million anti-social "
        "behaviour incidents a year (about 0.5 per 1000 residents a week); witnessed incidents "
        "are more, so 1.0 is an assumption",
        doc="Anti-social incidents a week per 1000 residents of an undeprived neighbourhood "
        "(0 switches collective action off).",
    )
    deprivation_incident_effect: float = param(
        1.5,
        unit="x per unit deprivation",
        role="world",
        ge=0,
        le=10,
        source=ASSUME + " (anti-social behaviour is more common in deprived areas, Crime Survey)",
        doc="Extra incidents in deprived neighbourhoods: rate x (1 + effect x deprivation).",
    )
    witnesses_per_incident: int = param(
        3,
        unit="residents/incident",
        role="world",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Residents of the block who witness each incident.",
    )
    backing_weight_ties: float = param(
        0.3,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Granovetter 1978 threshold models)",
        doc="Weight of the share of one's ties who intervened successfully lately, against the "
        "neighbourhood's expected backing, in the backing a witness expects from neighbours.",
    )
    police_backing_weight: float = param(
        0.5,
        unit="backing per unit police backing",
        role="world",
        ge=0,
        le=2,
        source="Capable Communities 2010 ('if you could guarantee that the police would back you "
        "up'); size assumed",
        doc="Weight of expected police backing in a witness's expected backing.",
    )
    intervention_threshold: float = param(
        0.4,
        unit="backing",
        role="world",
        ge=0,
        le=3,
        source=ASSUME + " (calibrated so about 1 in 10 witnesses intervene at the start; "
        "state_primary_safety: 93% see safe streets as the state's job)",
        doc="Expected backing a witness of average confidence with no fear of retaliation "
        "needs before intervening.",
    )
    threshold_fear_weight: float = param(
        0.6,
        unit="backing per unit fear",
        role="world",
        ge=0,
        le=3,
        source=ASSUME + " (fear of retaliation, Capable Communities 2010 focus groups)",
        doc="Rise in the intervention threshold per unit of fear of retaliation.",
    )
    threshold_confidence_weight: float = param(
        0.4,
        unit="backing per unit confidence",
        role="world",
        ge=0,
        le=3,
        source=ASSUME,
        doc="Fall in the intervention threshold per unit of confidence above 0.5.",
    )
    threshold_training_effect: float = param(
        0.15,
        unit="backing",
        role="world",
        ge=0,
        le=3,
        source=ASSUME + " (will_intervene_training: 17% would be trained to intervene safely)",
        doc="Fall in the intervention threshold of a resident trained to intervene safely.",
    )
    intervention_success_base: float = param(
        0.3,
        unit="probability",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Chance an intervention with no backing stops the incident (rises to 1 with "
        "full backing).",
    )
    backing_gain: float = param(
        0.05,
        unit="share of gap/success",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in a neighbourhood's expected backing per successful intervention per 1000 "
        "residents.",
    )
    backing_loss: float = param(
        0.01,
        unit="share/incident",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Fall in a neighbourhood's expected backing per incident left alone per 1000 "
        "residents.",
    )
    backing_relaxation: float = param(
        0.05,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly pull of a neighbourhood's expected backing towards its baseline trust.",
    )
    recent_intervention_weeks: int = param(
        26,
        unit="weeks",
        role="world",
        ge=0,
        le=520,
        source=ASSUME,
        doc="A tie who intervened successfully within this many weeks counts as an example.",
    )
    unchallenged_trust_loss: float = param(
        0.0005,
        unit="share per incident per 1000 residents",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Fall in neighbour trust of every resident of a block per incident left alone "
        "there, per 1000 residents.",
    )
    unchallenged_fear_gain: float = param(
        0.02,
        unit="share of gap/incident",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in a witness's fear of retaliation after an incident left alone.",
    )
    success_fear_relief: float = param(
        0.02,
        unit="share/incident",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Fall in a witness's fear of retaliation after seeing an intervention succeed.",
    )
    retaliation_fear_gain: float = param(
        0.1,
        unit="share of gap/failure",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in an intervener's fear of retaliation after a failed intervention.",
    )
    fear_retal_relaxation: float = param(
        0.01,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (as fear_relaxation: memory of incidents fades)",
        doc="Weekly pull of each resident's fear of retaliation back to their own baseline "
        "(pop.fear_retal_base); gives fear a level to settle at.",
    )
    police_hours_per_incident: float = param(
        1.5,
        unit="hours/incident",
        role="world",
        ge=0,
        le=100,
        source=ASSUME,
        doc="Public-safety staff hours a reported incident (left alone or a failed "
        "intervention) takes: the hours of its asb_callout need, met from public-safety "
        "capacity.",
    )


PUBLIC_SAFETY = SERVICE_INDEX["public_safety"]
NEVER = -1_000_000
STREAM = "collective_action"
WEEKLY: tuple[str, ...] = (
    "incidents",
    "incidents_challenged",
    "incidents_left_alone",
    "interventions_succeeded",
    "interveners",
    "police_backing",
    "expected_backing",
    "police_callouts",
)


@dataclass
class SafetyState:
    """Collective-action state kept on the model as ``model.safety``."""

    expected_backing: np.ndarray  # E_b per neighbourhood, 0-1
    last_success: np.ndarray  # per resident: week of last successful intervention
    police_backing: float  # P, 0-1, computed each week
    police_hours_last: float  # call-out hours reported in the previous week
    incidents_by_nbhd: np.ndarray  # totals over the run
    challenged_by_nbhd: np.ndarray
    left_alone_by_nbhd: np.ndarray
    succeeded_by_nbhd: np.ndarray
    week: dict[str, float]  # this week's figures (names in WEEKLY)


def newcomers(model: Model, rows: np.ndarray) -> None:
    """Newcomers (population turnover) have not intervened yet, and the fear of retaliation
    they arrive with is the baseline theirs fades back to."""
    model.safety.last_success[rows] = NEVER
    model.pop.fear_retal_base[rows] = model.pop.fear_retal[rows]


def setup(model: Model) -> SafetyState:
    """Initial state: expected backing at each block's baseline trust, nobody has intervened;
    each resident's fear of retaliation now is the baseline it fades back to
    (``pop.fear_retal_base``)."""
    model.pop.add_column("fear_retal_base", model.pop.fear_retal.dtype)[:] = model.pop.fear_retal
    n_nb = len(model.nb.start)
    zeros = np.zeros(n_nb, np.int64)
    return SafetyState(
        expected_backing=model.nb.trust_base.astype(np.float64).copy(),
        last_success=np.full(model.n_residents, NEVER, np.int32),
        police_backing=0.0,
        police_hours_last=0.0,
        incidents_by_nbhd=zeros.copy(),
        challenged_by_nbhd=zeros.copy(),
        left_alone_by_nbhd=zeros.copy(),
        succeeded_by_nbhd=zeros.copy(),
        week=dict.fromkeys(WEEKLY, 0.0),
    )


# ---------------------------------------------------------------------- pure rules
def incident_counts(
    sizes: np.ndarray,
    deprivation: np.ndarray,
    rate_per_1000: float,
    deprivation_effect: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Incidents this week per neighbourhood: Poisson(rate/1000 x size x (1 + effect x dep))."""
    lam = rate_per_1000 / 1000.0 * sizes * (1.0 + deprivation_effect * deprivation)
    return rng.poisson(lam)


def police_backing(met_hours: float, waiting_hours: float, mean_attitude: float) -> float:
    """Expected police backing P = mean attitude x share of the public-safety hours asked
    that staff are giving, ``met / (met + waiting)`` (1 when nothing is asked)."""
    asked = met_hours + waiting_hours
    share = 1.0 if asked <= 0 else met_hours / asked
    return float(mean_attitude * min(max(share, 0.0), 1.0))


def tie_share_recent(
    graph: Graph, rows: np.ndarray, last_week: np.ndarray, week: int, window: int
) -> np.ndarray:
    """Share of each row's ties whose ``last_week`` is within ``window`` weeks of ``week``.

    Reads only the ties of ``rows`` (no pass over the whole population).
    """
    rows = np.asarray(rows, np.int64)
    deg = graph.deg[rows]
    if int(deg.sum()) == 0:
        return np.zeros(len(rows))
    row_id, pos = expand_rows(graph.indptr, rows)
    recent = (week - last_week[graph.indices[pos]]) <= window
    hits = np.bincount(row_id, weights=recent, minlength=len(rows))
    return hits / np.maximum(deg, 1)


def expected_backing(
    nbhd_backing: np.ndarray,
    tie_share: np.ndarray,
    police: float,
    weight_ties: float,
    weight_police: float,
) -> np.ndarray:
    """B = (1 - w_ties) E_b + w_ties S_i + w_police P (neighbours', ties' and police backing)."""
    return (1.0 - weight_ties) * nbhd_backing + weight_ties * tie_share + weight_police * police


def threshold(
    fear_retal: np.ndarray,
    confidence: np.ndarray,
    trained: np.ndarray,
    base: float,
    fear_weight: float,
    confidence_weight: float,
    training_effect: float,
) -> np.ndarray:
    """theta = base + w_fear fear - w_conf (confidence - 0.5) - effect x trained."""
    return (
        base
        + fear_weight * fear_retal
        - confidence_weight * (confidence - 0.5)
        - training_effect * trained
    )


def success_probability(backing: np.ndarray, base: float) -> np.ndarray:
    """Chance a challenged incident is stopped: s0 + (1 - s0) min(1, B), rising with backing."""
    return base + (1.0 - base) * np.clip(backing, 0.0, 1.0)


def update_backing(
    backing: np.ndarray,
    successes: np.ndarray,
    left_alone: np.ndarray,
    target: np.ndarray,
    gain: float,
    loss: float,
    relaxation: float,
) -> np.ndarray:
    """E_b after the week: each success (per 1000 residents, like ``left_alone``) closes
    ``gain`` of the gap to 1, each incident left alone removes ``loss`` of the level, then E_b
    relaxes towards ``target``."""
    e = 1.0 - (1.0 - backing) * (1.0 - gain) ** successes
    e = e * (1.0 - loss) ** left_alone
    e = e + relaxation * (target - e)
    return np.clip(e, 0.0, 1.0)


def fade_fear(fear: np.ndarray, base: np.ndarray, rate: float) -> None:
    """Fear of retaliation moves ``rate`` of the way back to its baseline (in place)."""
    if rate > 0:
        fear += fear.dtype.type(rate) * (base - fear)


# ---------------------------------------------------------------------- the weekly phase
def step(model: Model) -> None:
    """One week of mechanism 8 (see the module docstring); inert when ``incident_rate`` is 0."""
    st: SafetyState = model.safety
    p, pop, nb = model.params, model.pop, model.nb
    st.week = dict.fromkeys(WEEKLY, 0.0)
    if p.incident_rate <= 0 or model.n_residents == 0:
        return
    rng = model.rng_for(STREAM)
    fade_fear(pop.fear_retal, pop.fear_retal_base, p.fear_retal_relaxation)

    # police backing: the share of what is asked of public-safety staff that they give
    ps = model.staff.service == PUBLIC_SAFETY
    att = float(model.staff.attitude[ps].mean()) if ps.any() else 0.0
    load = float(model.professional_load()[PUBLIC_SAFETY])
    st.police_backing = police_backing(load, waiting_hours(model, st), att)
    st.week["police_backing"] = st.police_backing
    size = residents_by_block(model)  # residents, not rows (nb.size without vacancies)
    st.week["expected_backing"] = ordered_mean(st.expected_backing, np.maximum(size, 1))

    sizes = nb.size
    counts = incident_counts(
        size, nb.deprivation, p.incident_rate, p.deprivation_incident_effect, rng
    )
    n_inc = int(counts.sum())
    if n_inc == 0:
        st.police_hours_last = 0.0
        st.expected_backing = update_backing(
            st.expected_backing, 0, 0, nb.trust_base, 0.0, 0.0, p.backing_relaxation
        )
        return
    b = np.repeat(np.arange(len(counts)), counts)  # neighbourhood of each incident
    w = p.witnesses_per_incident
    if has_vacancies(model):  # present residents of the neighbourhood (a growing town)
        wit = someone_in(model, np.repeat(b, w), rng).reshape(n_inc, w)
        wit = np.where(wit >= 0, wit, nb.start[b][:, None])  # an empty block: its first row
    else:
        wit = nb.start[b][:, None] + (rng.random((n_inc, w)) * sizes[b][:, None]).astype(np.int64)
    flat = wit.ravel()

    share = tie_share_recent(
        model.graph, flat, st.last_success, model.week, p.recent_intervention_weeks
    )
    back = expected_backing(
        np.repeat(st.expected_backing[b], w),
        share,
        st.police_backing,
        p.backing_weight_ties,
        p.police_backing_weight,
    )
    trained_arr = getattr(pop, "trained", None)
    trained = np.zeros(len(flat)) if trained_arr is None else trained_arr[flat].astype(np.float64)
    theta = threshold(
        pop.fear_retal[flat],
        pop.confidence[flat],
        trained,
        p.intervention_threshold,
        p.threshold_fear_weight,
        p.threshold_confidence_weight,
        p.threshold_training_effect,
    )
    acts = (back >= theta).reshape(n_inc, w)
    n_act = acts.sum(axis=1)
    challenged = n_act > 0
    mean_b = (back.reshape(n_inc, w) * acts).sum(axis=1) / np.maximum(n_act, 1)
    success = challenged & (
        rng.random(n_inc) < success_probability(mean_b, p.intervention_success_base)
    )
    alone = ~challenged
    failed = challenged & ~success

    # the cascade: successful interveners set an example to their ties
    st.last_success[wit[success][acts[success]]] = model.week
    # fear of retaliation: failures hurt interveners, successes reassure, inaction frightens
    # (the model's trust_gain and trust_loss rules: fear rises and falls as trust does)
    raise_towards_one(pop.fear_retal, wit[failed][acts[failed]], p.retaliation_fear_gain, model)
    lower_towards_zero(pop.fear_retal, wit[success].ravel(), p.success_fear_relief, model)
    raise_towards_one(pop.fear_retal, wit[alone].ravel(), p.unchallenged_fear_gain, model)

    n_nb = len(counts)
    succ_b = np.bincount(b[success], minlength=n_nb)
    alone_b = np.bincount(b[alone], minlength=n_nb)
    chall_b = np.bincount(b[challenged], minlength=n_nb)
    per_1000 = 1000.0 / np.maximum(sizes, 1)
    st.expected_backing = update_backing(
        st.expected_backing,
        succ_b * per_1000,
        alone_b * per_1000,
        nb.trust_base,
        p.backing_gain,
        p.backing_loss,
        p.backing_relaxation,
    )
    # incidents left alone erode neighbour trust across the block
    if alone_b.any() and p.unchallenged_trust_loss > 0:
        factor = ((1.0 - p.unchallenged_trust_loss) ** (alone_b * per_1000)).astype(np.float32)
        pop.trust_nbr *= np.repeat(factor, sizes)

    reported = alone | failed
    st.police_hours_last = float(reported.sum() * p.police_hours_per_incident)
    report_callouts(model, b[reported], wit[reported, 0], p.police_hours_per_incident)
    st.incidents_by_nbhd += counts
    st.challenged_by_nbhd += chall_b
    st.left_alone_by_nbhd += alone_b
    st.succeeded_by_nbhd += succ_b
    st.week.update(
        incidents=float(n_inc),
        incidents_challenged=float(challenged.sum()),
        incidents_left_alone=float(alone.sum()),
        interventions_succeeded=float(success.sum()),
        interveners=float(n_act.sum()),
    )


def callout_kind(model: Model) -> int:
    """Index of the ``asb_callout`` kind in the model's kinds, or -1 if it has none."""
    names = model.kinds.names
    return names.index(ASB_CALLOUT) if ASB_CALLOUT in names else -1


def waiting_hours(model: Model, st: SafetyState) -> float:
    """Hours of public-safety needs only professionals meet that wait unmet (the queue the
    police have not reached); without the ``asb_callout`` kind, last week's call-out hours."""
    k, n = model.kinds, model.needs
    ps_kind = (k.service == PUBLIC_SAFETY) & k.professional_only  # per kind: a few entries
    waiting = (n.channel == UNMET) & ps_kind.take(n.kind)  # take: faster by int16 kinds
    hours = float(n.hours[waiting].sum())  # the same rows in the same order: the same sum
    if callout_kind(model) < 0:
        hours += st.police_hours_last
    return hours


def report_callouts(model: Model, nbhd: np.ndarray, reporter: np.ndarray, hours: float) -> None:
    """Reported incidents join the public-safety queue as ``asb_callout`` needs of ``hours``
    hours, owned by the witness who reported them (none if the kind is absent or hours 0)."""
    kind = callout_kind(model)
    st: SafetyState = model.safety
    st.week["police_callouts"] = float(len(nbhd))
    if kind < 0 or hours <= 0 or len(nbhd) == 0:
        return
    h = np.full(len(nbhd), hours, np.float32)
    model.needs.append(
        kind=np.full(len(nbhd), kind, np.int16),
        owner=reporter.astype(np.int32),
        nbhd=nbhd.astype(np.int32),
        hours=h,
        base_hours=h,
        started=np.full(len(nbhd), min(model.week, 32_000), np.int16),
    )
    model.events["needs_arisen"] += len(nbhd)


def weekly_stats(model: Model) -> dict[str, float]:
    """This week's figures for ``model.stats`` (names in ``WEEKLY``)."""
    return dict(model.safety.week)
