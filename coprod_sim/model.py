"""The model: a town of residents, professionals and services that runs week by week."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import mesa
import numpy as np

from coprod_sim import kernels
from coprod_sim.agents import Professional, Resident, Service
from coprod_sim.dashboard.mesa_scenario import merge_mesa_scenario
from coprod_sim.io.reporters import model_reporters
from coprod_sim.levers import Lever, make_levers
from coprod_sim.mechanisms import collective_action, gatekeeping, needs, referral, trust
from coprod_sim.mechanisms.channels import CORE_CHANNELS, Channel, Match
from coprod_sim.mechanisms.decision import DecisionRule, HelpWeights, help_probability
from coprod_sim.mechanisms.needs import (
    CHANNEL_INDEX,
    CHANNELS,
    DEFAULT_NEED_KINDS,
    SERVICES,
    UNMET,
    KindArrays,
    NeedKind,
    NeedTable,
)
from coprod_sim.mechanisms.outcomes import barriers, participation_class
from coprod_sim.mechanisms.services import capacity, mean_attitude, mode_of
from coprod_sim.parameters import Scenario, make_scenario
from coprod_sim.state.arrays import expand_rows
from coprod_sim.state.network import Graph, build_graph, tie_counts_update, to_networkx
from coprod_sim.state.population import (
    GAVE_UP,
    VETTED,
    VETTING,
    build_neighbourhoods,
    build_population,
    build_staff,
)
from coprod_sim.state.streams import Streams, seed_from_rng
from coprod_sim.state.towns import TOWNS

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = 4  # the year is 13 four-week months
RELAX_EVERY = 4  # weeks between applications of the (compounded) drift to baselines
EXAMPLE_WEEKS = 8  # a tie who helped within this many weeks sets an example (assumption)
HOOK_POINTS: tuple[str, ...] = ("start_of_week", "before_channels", "after_channels", "end_of_week")
PROFESSIONAL = CHANNEL_INDEX["professional"]


class CoproductionModel(mesa.Model):
    """A town simulated week by week; parameters are keyword arguments (see ``Scenario``).

    ``CoproductionModel()`` is the demo town. ``rng`` is Mesa's: an int seed (or None). Pass
    ``decision_rule=`` to swap the decision to help, ``need_kinds=`` to change the kinds of
    need, and ``levers=`` (objects or functions with a ``point`` attribute, one of
    ``HOOK_POINTS``) to change the week at a documented point.
    """

    def __init__(
        self,
        *,
        rng: Any = None,
        decision_rule: DecisionRule | None = None,
        need_kinds: Sequence[NeedKind] | None = None,
        levers: Iterable[Callable[[CoproductionModel], None]] = (),
        policies: Mapping[str, Mapping[str, Any]] | Iterable[str] | None = None,
        scenario: Any = None,  # what Mesa's SolaraViz passes on Reset
        **params: Any,
    ) -> None:
        rng, params = merge_mesa_scenario(scenario, rng, params)
        self.params: Scenario = make_scenario(**params)
        self.policy_levers: list[Lever] = make_levers(policies)
        self.seed = seed_from_rng(rng)
        super().__init__(rng=self.seed)
        p = self.params
        town = TOWNS[p.town]
        self.n_residents = p.n_residents or max(1, int(round(town.residents * p.scale)))
        n_nb = p.n_neighbourhoods or town.neighbourhoods
        self.streams = Streams(self.seed)
        self.week = 0  # weeks completed

        # the town: neighbourhoods, residents, ties, staff
        s = self.streams
        self.nb = build_neighbourhoods(self.n_residents, n_nb, town, p, s.get("town"))
        self.pop = build_population(self.n_residents, self.nb, p, s.get("residents"))
        self.graph: Graph = build_graph(
            self.nb.start,
            self.nb.end,
            p.ties_local,
            p.ties_bridge,
            p.tie_clustering,
            s.get("graph"),
        )
        self.tie_trust = self._initial_tie_trust(s.get("tie_trust"))
        self.staff = build_staff(self.n_residents, len(self.nb.start), p, s.get("staff"))
        self.kinds = KindArrays.from_kinds(tuple(need_kinds or DEFAULT_NEED_KINDS))
        self.needs = NeedTable()
        self._age_groups = needs.AgeGroups.from_members(
            [(self.pop.age == g).nonzero()[0] for g in range(3)]
        )

        # services
        n_s = len(SERVICES)
        self.capacity_cut = np.zeros(n_s)
        self.service_mode = mode_of(mean_attitude(self.staff.service, self.staff.attitude, n_s))
        self.service_capacity = capacity(
            self.staff.service, self.staff.capacity, n_s, self.capacity_cut
        )
        self.safety = collective_action.setup(self)

        # rules and hooks
        self.weights = HelpWeights.from_scenario(p)
        self.decision_rule: DecisionRule = decision_rule or help_probability
        self.channels: list[Channel] = list(CORE_CHANNELS)
        gatekeeping.state(self)  # professionals' baseline attitudes, as at week 0
        referral.install(self)  # the referral channel, before the professional one
        self.bounded_channels: set[int] = set()  # channels whose commitments do not grow
        self.hooks: dict[str, list[Callable[[CoproductionModel], None]]] = {
            h: [] for h in HOOK_POINTS
        }
        self.costs: Counter[str] = Counter()  # GBP this week, by lever / item
        self.costs_total: Counter[str] = Counter()
        levers = tuple(levers)
        for lever in (*self.policy_levers, *levers):
            self.add_lever(lever)
        # every lever with a cost is costed, whether named in policies= or passed in levers=
        self.costed_levers = [
            lv
            for lv in (*self.policy_levers, *levers)
            if callable(getattr(lv, "weekly_cost", None))
        ]

        # agents: views of rows (built with the collector off: a third faster)
        gc_was = gc.isenabled()
        gc.disable()
        try:
            self.residents = [Resident(self, i) for i in range(self.n_residents)]
            self.professionals = [Professional(self, i) for i in range(len(self.staff))]
            self.services = [Service(self, i, name) for i, name in enumerate(SERVICES)]
        finally:
            if gc_was:
                gc.enable()

        # bookkeeping
        self.busy = np.zeros(self.n_residents, bool)
        self._week_hours = np.zeros(self.n_residents)  # delivery's buffer, zero between weeks
        # marks for "gains once per pass" in kernels.good_experiences (a token per pass)
        self._seen = np.zeros(self.n_residents, np.int64)
        self._seen_tie = np.zeros(0, np.int64)
        self._seen_token = 1
        self.recent_helper = np.zeros(self.n_residents, bool)
        self._helped_in: dict[int, np.ndarray] = {}  # week -> residents who helped then
        self.example_count = np.zeros(self.n_residents, np.int16)  # ties who helped recently
        self.events: Counter[str] = Counter()
        k, c, nbn = len(self.kinds.names), len(CHANNELS), len(self.nb.start)
        self.met_by_kind_channel = np.zeros((k, c), np.int64)
        self.hours_by_channel_total = np.zeros(c)
        self.lapsed_by_kind = np.zeros(k, np.int64)
        self.crises_by_kind = np.zeros(k, np.int64)
        self.met_by_nbhd = np.zeros(nbn, np.int64)
        self.lapsed_by_nbhd = np.zeros(nbn, np.int64)
        self.professional_hours_total = 0.0
        self.crisis_hours_total = 0.0  # professional hours spent on crises
        self.hours_last_year = np.zeros(self.n_residents, np.float32)
        self.barrier_codes = np.full(self.n_residents, -1, np.int8)
        self.stats: dict[str, float] = {}
        self.start_means = self._means()
        self._nx = None
        self.datacollector = mesa.DataCollector(
            model_reporters=model_reporters(
                tuple(f"cost_{_lever_name(lv)}" for lv in self.costed_levers)
            )
        )

    # ------------------------------------------------------------------ set-up helpers
    def _initial_tie_trust(self, rng: np.random.Generator) -> np.ndarray:
        """Trust on a tie starts at the mean of both ends' neighbour trust, plus noise."""
        src = self.graph.owner_of_edges()
        t = 0.5 * (self.pop.trust_nbr[src] + self.pop.trust_nbr[self.graph.indices])
        return np.clip(t + rng.normal(0, 0.08, len(t)), 0, 1).astype(np.float32)

    def add_lever(self, lever: Callable[[CoproductionModel], None]) -> None:
        """Register a lever at its ``point`` of the week (default ``start_of_week``)."""
        point = getattr(lever, "point", "start_of_week")
        if point not in self.hooks:
            raise ValueError(
                f"lever {lever!r}: point {point!r} is not one of {', '.join(HOOK_POINTS)}"
            )
        setup = getattr(lever, "setup", None)
        if callable(setup):
            setup(self)
        self.hooks[point].append(lever)

    def _run_hooks(self, point: str) -> None:
        for lever in self.hooks[point]:
            lever(self)

    @property
    def graph_nx(self):
        """The social graph as a networkx Graph, with this week's trust on its edges: built on
        the first access in a week and cached for the rest of it (tie trust changes weekly).
        Slow for big towns: about 50 s and 3 GiB at a million residents."""
        if self._nx is None or self._nx[0] != self.week:
            self._nx = (self.week, to_networkx(self.graph, self.pop.nbhd, self.tie_trust))
        return self._nx[1]

    def rng_for(self, name: str) -> np.random.Generator:
        """This week's random stream of mechanism or lever ``name``."""
        return self.streams.get(name, self.week)

    def professional_load(self) -> np.ndarray:
        """Hours each service's staff owe this week to the cases they already hold."""
        n = self.needs
        act = n.channel == PROFESSIONAL
        return np.bincount(
            self.kinds.service[n.kind[act]], weights=n.hours[act], minlength=len(SERVICES)
        )

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week, in this order (each phase works on whole arrays):

        1. levers at ``start_of_week``; service capacity and mode are refreshed.
        2. needs arise (mechanism 1: ``needs.arise``).
        3. ongoing commitments grow (mechanism 4: ``commitment.grow``), except in bounded
           channels; random drop-outs reopen needs and let their owners down (mechanism 5).
        4. fatigue and burnout (mechanism 4): overloaded helpers tire, the burnt out drop all
           commitments, and their fear spreads to their ties.
        5. vetting checks progress; some waiting residents give up (red tape).
        5b. professional gatekeeping (mechanism 6: ``gatekeeping.weekly``): referred needs a
           volunteer let down sour the referring professional's attitude, attitudes relax
           to their baselines, and the referral channel is in place (modes follow at step 1).
        6. levers at ``before_channels``; then the channels meet open needs in order
           (mechanisms 2 and 3): informal, open call, [lever channels], professional; then
           collective action in public safety (mechanism 8: ``collective_action.step``); levers
           at ``after_channels``.
        7. waiting needs age, escalate into crises, or lapse unmet (mechanism 1); owners
           waiting past the service standard lose trust in services (mechanism 5).
        8. delivery and outcomes (mechanism 9): helpers' hours and weeks, professional hours
           and cost, needs that end (good experiences, mechanism 5), trust and fear relax
           to their baselines (every ``RELAX_EVERY`` weeks, at the compounded rate); at the
           end of each 52-week year, participation classes and barriers; levers at
           ``end_of_week``; the DataCollector records the week.
        """
        self.events = Counter()
        self.costs = Counter()
        self._run_hooks("start_of_week")
        self._refresh_services()
        self._arise()
        self._grow_and_drop()
        self._fatigue_and_burnout()
        self._vetting()
        gatekeeping.weekly(self)
        self._run_hooks("before_channels")
        self._match()
        collective_action.step(self)
        self._run_hooks("after_channels")
        self._wait()
        self._deliver()
        self._run_hooks("end_of_week")
        for lever in self.costed_levers:
            active = getattr(lever, "active", None)
            if active is None or active(self):
                self.costs[_lever_name(lever)] += lever.weekly_cost(self)
        self.week += 1
        if self.week % WEEKS_PER_YEAR == 0:
            self._close_year()
        self._record_week()
        self.datacollector.collect(self)

    # phase 1
    def _refresh_services(self) -> None:
        n_s = len(SERVICES)
        self.service_mode = mode_of(mean_attitude(self.staff.service, self.staff.attitude, n_s))
        self.service_capacity = capacity(
            self.staff.service, self.staff.capacity, n_s, self.capacity_cut
        )

    # phase 2
    def _arise(self) -> None:
        p = self.params
        new = needs.arise(
            self.kinds,
            self._age_groups,
            self.pop.nbhd,
            self.nb.deprivation,
            self.n_residents,
            p.need_rate_scale,
            p.deprivation_need_effect,
            self.rng_for("needs"),
        )
        k = new["kind"]
        hours = self.kinds.hours[k]
        self.needs.append(
            kind=k,
            owner=new["owner"],
            nbhd=new["nbhd"],
            hours=hours,
            base_hours=hours,
            started=np.full(len(k), min(self.week, 32_000), np.int16),
        )
        self.events["needs_arisen"] += len(k)

    def reopen(self, rows: np.ndarray, let_down: bool) -> None:
        """Helpers leave these need rows: they go back to the queue, the helpers' committed hours
        fall, and with ``let_down`` the owners (and the ties they asked) lose trust. For levers
        that end commitments (a planned handover passes ``let_down=False``)."""
        n, pop, p = self.needs, self.pop, self.params
        if len(rows) == 0:
            return
        if let_down:
            owners = n.owner[rows]
            has = owners >= 0
            trust.lower_towards_zero(pop.trust_nbr, owners[has], p.trust_loss)
            edges = n.edge[rows]
            trust.lower_towards_zero(self.tie_trust, edges[edges >= 0], p.trust_loss)
            self.events["let_down"] += np.count_nonzero(has)
        kernels.add_by_helper(n.helper[rows], -n.hours[rows], pop.committed)  # x + -h == x - h
        n.helper[rows] = -1
        n.channel[rows] = UNMET
        n.hours[rows] = n.base_hours[rows]
        n.waited[rows] = 0
        n.edge[rows] = -1

    # phase 3
    def _grow_and_drop(self) -> None:
        n, k = self.needs, self.kinds
        # commitment.grow on every volunteer-held need outside crises and bounded channels
        vol = kernels.grow_commitments(
            n.helper,
            n.crisis,
            n.channel,
            n.kind,
            n.hours,
            n.base_hours,
            k.growth,
            k.growth_cap,
            np.array(sorted(self.bounded_channels), np.int64),
        )
        if len(vol) == 0:
            return
        rng = self.rng_for("dropout")
        drop = vol[rng.random(len(vol)) < self.params.dropout_hazard]
        self.events["dropouts"] += len(drop)
        self.reopen(drop, let_down=True)
        self._recount_committed()

    def _recount_committed(self) -> None:
        n = self.needs
        committed = self.pop.committed
        committed[:] = 0.0
        kernels.add_by_helper(n.helper, n.hours, committed)

    # phase 4
    def _fatigue_and_burnout(self) -> None:
        pop, p = self.pop, self.params
        # commitment.tolerance and commitment.next_fatigue, in one compiled pass
        burnt = kernels.fatigue_step(
            pop.committed,
            pop.fatigue,
            pop.free_hours,
            pop.time_off,
            pop.fear_commit,
            p.tolerance_share,
            p.fatigue_rate,
            p.fatigue_recovery,
        )
        self.events["burnouts"] += len(burnt)
        if len(burnt) == 0:
            return
        n = self.needs
        is_burnt = np.zeros(self.n_residents + 1, bool)  # shifted by one: helper -1 -> 0
        is_burnt[burnt + 1] = True
        rows = (is_burnt[n.helper + 1]).nonzero()[0]
        self.reopen(rows, let_down=True)
        pop.fatigue[burnt] = 0.0
        pop.recovering_until[burnt] = self.week + p.burnout_recovery_weeks
        trust.raise_towards_one(pop.fear_commit, burnt, p.burnout_fear_self)
        _, pos = expand_rows(self.graph.indptr, burnt)
        seen_by = self.graph.indices[pos]
        trust.raise_towards_one(pop.fear_commit, seen_by, p.burnout_fear_contagion)

    # phase 5
    def _vetting(self) -> None:
        pop, p = self.pop, self.params
        waiting = (pop.vet_status == VETTING).nonzero()[0]
        if len(waiting) == 0:
            return
        pop.vet_wait[waiting] += 1
        rng = self.rng_for("vetting")
        give_up = rng.random(len(waiting)) < p.vetting_give_up
        pop.vet_status[waiting[give_up]] = GAVE_UP
        self.events["vetting_gave_up"] += np.count_nonzero(give_up)
        still = waiting[~give_up]
        done = still[pop.vet_wait[still] >= p.vetting_weeks]
        pop.vet_status[done] = VETTED
        self.events["vetting_cleared"] += len(done)

    # phase 6
    def _match(self) -> None:
        n = self.needs
        self.busy[:] = False
        rows = (n.channel == UNMET).nonzero()[0]
        for ch in self.channels:
            if len(rows) == 0:
                break
            m: Match = ch(self, rows, self.rng_for("channel:" + ch.name))
            cid = CHANNEL_INDEX[ch.name]
            self.assign(m, cid)
            rows = rows[n.channel[rows] == UNMET]

    def assign(self, m: Match, channel: int, edges: np.ndarray | None = None) -> None:
        """Record that channel ``channel`` meets need rows ``m.rows`` with helpers ``m.helpers``."""
        n = self.needs
        if len(m.rows) == 0:
            return
        helpers = np.asarray(m.helpers, np.int64)
        n.channel[m.rows] = channel
        n.helper[m.rows] = helpers
        e = getattr(m, "edges", None) if edges is None else edges
        if e is not None:
            n.edge[m.rows] = e
        vol = helpers >= 0
        self.busy[helpers[vol]] = True
        # the stored (int32) helpers: one compiled signature for every caller; -1 is skipped
        kernels.add_by_helper(n.helper[m.rows], n.hours[m.rows], self.pop.committed)
        kernels.count_into(n.kind[m.rows], self.met_by_kind_channel[:, channel])
        kernels.count_into(n.nbhd[m.rows], self.met_by_nbhd)
        self.events[f"met_{CHANNELS[channel]}"] += len(m.rows)

    # phase 7
    def _wait(self) -> None:
        """Waiting needs age, escalate (``needs.escalate``), lapse (``needs.lapse``); owners
        waiting past the standard lose trust in services: two compiled passes
        (``kernels.open_needs_age``, ``kernels.open_needs_escalate_lapse``) with the
        escalation uniforms drawn between them, one per eligible need, as the rule draws."""
        n, k, p, pop = self.needs, self.kinds, self.params, self.pop
        w, elig = kernels.open_needs_age(
            n.channel, n.waited, n.crisis, n.kind, k.crisis_onset, k.crisis_hazard, UNMET
        )
        u = self.rng_for("escalation").random(len(elig))
        self._lapsed = np.zeros(len(n), bool)
        late, n_crises, waited_open = kernels.open_needs_escalate_lapse(
            w, elig, u, n.kind, n.owner, n.waited, n.crisis, n.hours, n.base_hours,
            n.crisis_left, k.crisis_hazard, k.crisis_weeks, k.max_wait,
            float(p.crisis_hours_multiplier), int(p.service_standard_weeks),
            self.crises_by_kind, self._lapsed,
        )  # fmt: skip
        if n_crises:
            self.events["crises"] += n_crises
        trust.lower_towards_zero(pop.trust_svc, late, p.service_trust_loss)
        lapsed = self._lapsed.nonzero()[0]
        kernels.count_into(n.kind[lapsed], self.lapsed_by_kind)
        kernels.count_into(n.nbhd[lapsed], self.lapsed_by_nbhd)
        self.events["lapsed"] += len(lapsed)
        self.events["open_needs"] = int(len(w) - len(lapsed))
        self.events["waited_total"] = int(waited_open)

    # phase 8
    def _deliver(self) -> None:
        n, k, p, pop = self.needs, self.kinds, self.params, self.pop
        active = n.channel != UNMET
        rows = active.nonzero()[0]
        ch = n.channel[rows]
        hours = n.hours[rows].astype(np.float64)
        by_channel = np.bincount(ch, weights=hours, minlength=len(CHANNELS))
        self.week_hours_by_channel = by_channel
        self.hours_by_channel_total += by_channel
        pro_hours = by_channel[PROFESSIONAL]
        self.week_crisis_hours = float(hours[n.crisis[rows] & (ch == PROFESSIONAL)].sum())
        self.crisis_hours_total += self.week_crisis_hours
        self.professional_hours_total += pro_hours
        self.costs["professional_staff"] += pro_hours * p.professional_hour_cost

        # each helper's hours this week, summed once (in a buffer kept at zero between weeks)
        week_hours = self._week_hours
        uniq = kernels.sum_by_helper(n.helper[rows], hours, week_hours)
        uniq.sort()
        hh = kernels.credit_helpers(
            uniq,
            week_hours,
            pop.hours_year,
            pop.hours_given,
            pop.weeks_year,
            pop.months_year,
            pop.last_help_week,
            pop.helped_ever,
            self.week,
            WEEKS_PER_MONTH,
        )
        self._update_example(uniq)
        self.events["helpers"] = len(uniq)
        self.events["volunteer_hours"] = float(hh.sum(dtype=np.float64))

        # which needs end this week
        rng = self.rng_for("ending")
        kk = n.kind[rows]
        crisis = n.crisis[rows]
        n.crisis_left[rows[crisis]] -= 1
        ends = np.where(
            crisis,
            n.crisis_left[rows] <= 0,
            rng.random(len(rows)) < k.end_hazard[kk],
        )
        done = rows[ends]
        # helpers are freed of the hours of needs that end (committed is exact at week's end:
        # the year's barriers and end-of-week levers read it)
        kernels.add_by_helper(n.helper[done], -n.hours[done], pop.committed)  # x + -h == x - h
        self._good_experiences(done)
        self.events["needs_done"] += len(done)
        keep = ~self._lapsed
        keep[done] = False
        n.keep(keep)

        # slow drift back to baselines, applied every RELAX_EVERY weeks at the compounded rate
        # (the same pull over the period, for a quarter of the passes over every resident)
        if self.week % RELAX_EVERY == RELAX_EVERY - 1:
            compound = (
                1.0 - (1.0 - np.array([p.trust_relaxation, p.fear_relaxation])) ** RELAX_EVERY
            )
            trust.relax(pop.trust_nbr, self.nb.trust_base[pop.nbhd], float(compound[0]))
            trust.relax(pop.fear_commit, pop.fear_commit_base, float(compound[1]))

    def _update_example(self, helped: np.ndarray) -> None:
        """Keep ``example_count`` (ties who helped in the last EXAMPLE_WEEKS weeks) current,
        touching only residents whose "recent helper" status changed this week: those who
        helped now and were not recent, and those whose last help was EXAMPLE_WEEKS ago (read
        from the list of who helped that week, kept for EXAMPLE_WEEKS weeks)."""
        pop, w = self.pop, self.week
        on = helped[~self.recent_helper[helped]]
        old = self._helped_in.pop(w - EXAMPLE_WEEKS, None)
        off = old[pop.last_help_week[old] == w - EXAMPLE_WEEKS] if old is not None else old
        self._helped_in[w] = helped
        if off is not None and len(off):
            changed = np.concatenate([on, off])
            sign = np.concatenate([np.ones(len(on), np.int16), np.full(len(off), -1, np.int16)])
        else:
            changed, sign = on, np.ones(len(on), np.int16)
        if len(changed):
            self.recent_helper[on] = True
            if off is not None:
                self.recent_helper[off] = False
            tie_counts_update(self.graph, self.example_count, changed, sign)

    def _good_experiences(self, done: np.ndarray) -> None:
        """Trust gains from needs that ended well (``trust.raise_towards_one``, five passes in
        one compiled call: ``kernels.good_experiences``)."""
        n, p = self.needs, self.params
        if len(self._seen_tie) != len(self.tie_trust):
            self._seen_tie = np.zeros(len(self.tie_trust), np.int64)
        self._seen_token = kernels.good_experiences(
            done, n.helper, n.owner, n.edge, self.pop.trust_nbr, self.tie_trust,
            self.pop.trust_svc, p.trust_gain, p.service_trust_gain, self._seen, self._seen_tie,
            self._seen_token,
        )  # fmt: skip

    def _close_year(self) -> None:
        pop, p = self.pop, self.params
        cls = participation_class(
            pop.weeks_year,
            pop.months_year,
            pop.helped_ever,
            p.weekly_min_weeks,
            p.monthly_min_months,
        )
        pop.last_year_class[:] = cls
        non = (pop.weeks_year == 0).nonzero()[0]
        self.barrier_codes[:] = -1
        self.barrier_codes[non] = barriers(self, non)
        self.hours_last_year = pop.hours_year.copy()
        pop.weeks_year[:] = 0
        pop.months_year[:] = 0
        pop.hours_year[:] = 0

    def _means(self) -> dict[str, float]:
        pop = self.pop
        return {
            "trust_neighbours": float(pop.trust_nbr.mean()) if len(pop) else float("nan"),
            "trust_services": float(pop.trust_svc.mean()) if len(pop) else float("nan"),
            "fear_of_commitment": float(pop.fear_commit.mean()) if len(pop) else float("nan"),
        }

    def _record_week(self) -> None:
        e, pop = self.events, self.pop
        n_open = max(e["open_needs"], 1)
        st = {
            "week": self.week,
            "helping_share": e["helpers"] / max(self.n_residents, 1),
            "volunteer_hours": e["volunteer_hours"],
            "needs_arisen": e["needs_arisen"],
            "needs_lapsed": e["lapsed"],
            "open_needs": e["open_needs"],
            "mean_wait_weeks": e["waited_total"] / n_open,
            "crises": e["crises"],
            "burnouts": e["burnouts"],
            "dropouts": e["dropouts"],
            "vetting_waiting": np.count_nonzero(pop.vet_status == VETTING),
            "vetting_gave_up": e["vetting_gave_up"],
            "professional_hours": float(self.week_hours_by_channel[PROFESSIONAL]),
            "professional_hours_crisis": self.week_crisis_hours,
            "professional_capacity": float(self.service_capacity.sum()),
        }
        for c, name in enumerate(CHANNELS):
            st[f"met_{name}"] = e[f"met_{name}"]
            st[f"hours_{name}"] = float(self.week_hours_by_channel[c])
        st.update(self._means())
        st.update(collective_action.weekly_stats(self))
        for item, gbp in self.costs.items():
            self.costs_total[item] += gbp
        st["cost_total"] = float(sum(self.costs.values()))
        for lever in self.costed_levers:
            st[f"cost_{_lever_name(lever)}"] = float(self.costs[_lever_name(lever)])
        st["cost_professional_staff"] = float(self.costs["professional_staff"])
        self.stats = st

    # ------------------------------------------------------------------ running
    def run_weeks(self, weeks: int, progress: bool = False) -> None:
        """Advance ``weeks`` weeks, optionally with a progress bar."""
        it = range(weeks)
        if progress:
            from tqdm import tqdm

            it = tqdm(it, desc="weeks", unit="wk")
        for _ in it:
            self.step()


def _lever_name(lever: object) -> str:
    return getattr(lever, "name", "") or getattr(lever, "__name__", type(lever).__name__)
