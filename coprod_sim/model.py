"""The model: a town of residents, professionals and services that runs week by week.

This module builds the town, runs the week (``schedule.WEEK``, in order) and keeps the
bookkeeping. The rules live in their mechanisms' modules (``coprod_sim/mechanisms/``); the
order of the week lives in ``coprod_sim/schedule.py``.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import mesa
import numpy as np
from tqdm import tqdm

from coprod_sim.agents import Professional, Resident, Service
from coprod_sim.levers import Lever, lever_name, lever_steps, make_levers
from coprod_sim.mechanisms import (
    channels,
    collective_action,
    commitment,
    futures,
    gatekeeping,
    life_history,
    local_groups,
    referral,
    services,
    trust,
)
from coprod_sim.mechanisms.channels import CORE_CHANNELS, Channel, Match
from coprod_sim.mechanisms.decision import HelpWeights
from coprod_sim.mechanisms.needs import (
    CHANNELS,
    DEFAULT_NEED_KINDS,
    SERVICES,
    AgeGroups,
    KindArrays,
    NeedKind,
    NeedTable,
)
from coprod_sim.mechanisms.outcomes import WEEKS_PER_YEAR, RecentHelpers, means, reset_run_totals
from coprod_sim.outputs.agent_records import attach_agent_records
from coprod_sim.outputs.reporters import FUTURE_SERIES, model_reporters
from coprod_sim.parameters import ScenarioError
from coprod_sim.rules import RULES, choose_rules
from coprod_sim.scenario import Scenario, make_scenario, merge_mesa_scenario
from coprod_sim.schedule import HOOK_POINTS, RESIDENT_STATE, WEEK
from coprod_sim.state import burn_in_cache as town_cache
from coprod_sim.state import occupancy
from coprod_sim.state.arrays import add_by_helper
from coprod_sim.state.network import Graph, build_graph, drop_ties, to_networkx
from coprod_sim.state.population import build_neighbourhoods, build_population, build_staff
from coprod_sim.state.streams import Streams, seed_from_rng
from coprod_sim.state.towns import TOWNS

Lever_ = Callable[["CoproductionModel"], None]


def check_point(lever: Any) -> str:
    """The point of the week a lever acts at (default ``start_of_week``), or a ValueError."""
    point = getattr(lever, "point", "start_of_week")
    if point not in HOOK_POINTS:
        raise ValueError(f"lever {lever!r}: point {point!r} is not one of {', '.join(HOOK_POINTS)}")
    return point


def check_weeks(weeks: Any, name: str = "weeks") -> int:
    """``weeks`` as an int, or a ScenarioError naming it: at least 1, a whole number."""
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
        raise ScenarioError(
            f"parameter '{name}': value {weeks!r} is not allowed; allowed: a whole number of "
            "weeks, at least 1"
        )
    return int(weeks)


class CoproductionModel(mesa.Model):
    """A town simulated week by week; parameters are keyword arguments (see ``Scenario``).

    ``CoproductionModel()`` is the demo town. ``rng`` is Mesa's: an int seed (or None).
    ``rules={"fatigue": my_fatigue, ...}`` swaps rules by name (``coprod_sim.RULES``);
    ``need_kinds=`` changes the kinds of need; ``policies=`` switches levers on by name (with
    parameters); ``levers=`` adds objects or functions with a ``point`` attribute (one of
    ``schedule.HOOK_POINTS``) that act at that point of the week.

    The model is ready at week 0 when constructed: the burn-in (``burn_in_years`` of the town
    with no lever acting) runs at the end of ``__init__``, as a Mesa user expects of a model
    (``progress=True`` shows a bar for it), and the levers are registered after it.
    ``burn_in_cache=True`` restores the burned-in town from the local cache when this town,
    size, seed and world were burned in before (``coprod_sim.state.burn_in_cache``; bit-identical
    results). ``step()`` is always exactly one week of results.
    """

    def __init__(
        self,
        *,
        rng: Any = None,
        rules: Mapping[str, Callable[..., Any]] | None = None,
        need_kinds: Sequence[NeedKind] | None = None,
        levers: Iterable[Lever_] = (),
        policies: Mapping[str, Mapping[str, Any]] | Iterable[str] | None = None,
        scenario: Any = None,  # what Mesa's SolaraViz passes on Reset
        progress: bool = False,
        burn_in_cache: bool = False,
        compiled: bool = True,
        **params: Any,
    ) -> None:
        rng, params = merge_mesa_scenario(scenario, rng, params)
        self.params: Scenario = make_scenario(**params)
        self.rules = choose_rules(rules, compiled)  # compiled=False: plain Python
        self.policy_levers: list[Lever] = make_levers(policies)
        self.seed = seed_from_rng(rng)
        super().__init__(rng=self.seed)
        p = self.params
        town = TOWNS[p.town]
        # the residents at the start; the rows of the town's arrays (``n_residents``) add
        # spare rows for the largest size of a future's population trajectory
        # (``state.occupancy``; none without one)
        self.n_start = p.n_residents or max(1, int(round(town.residents * p.scale)))
        self.n_residents = futures.check_rows(p.future, self.n_start)
        self.varying_size = futures.largest_size(p.future) is not None
        n_nb = p.n_neighbourhoods or town.neighbourhoods
        self.streams = Streams(self.seed)
        # weeks completed; the burn-in's weeks are numbered -burn_in_weeks .. -1, results from 0
        self.burn_in_weeks = WEEKS_PER_YEAR * p.burn_in_years
        self.week = -self.burn_in_weeks

        # the town: neighbourhoods, residents, ties, staff, kinds of need
        s = self.streams
        self.nb = build_neighbourhoods(self.n_residents, n_nb, town, p, s.get("town"))
        self.pop = build_population(
            self.n_residents, self.nb, p, s.get("residents"), RESIDENT_STATE
        )
        life_history.setup(self)  # each founder's draw for a life before the town
        self.graph: Graph = build_graph(
            self.nb.start, self.nb.end, p.ties_local, p.ties_bridge, p.tie_clustering,
            s.get("graph"),
        )  # fmt: skip
        if self.n_residents > self.n_start:  # spare rows: vacant, inert, without ties
            spare = occupancy.spare_rows(
                self.nb.start, self.nb.end, self.n_residents - self.n_start, s.get("occupancy")
            )
            occupancy.make_vacant(self.pop, spare)
            self.graph = drop_ties(self.graph, spare)[0]
        if self.varying_size:
            occupancy.refresh(self)
        self.tie_trust = trust.initial_tie_trust(self.graph, self.pop.trust_nbr, s.get("tie_trust"))
        self.tie_trust_base = self.tie_trust.copy()  # what tie trust relaxes back to
        self.staff = build_staff(self.n_start, len(self.nb.start), p, s.get("staff"))
        if need_kinds is not None and len(need_kinds) == 0:
            raise ScenarioError(
                "parameter 'need_kinds': value [] is not allowed; allowed: at least one kind "
                "of need (NeedKind), or None for the defaults"
            )
        self.kinds = KindArrays.from_kinds(tuple(need_kinds or DEFAULT_NEED_KINDS))
        self.needs = NeedTable()
        self.age_groups = AgeGroups.from_ages(self.pop.age)

        # services, gatekeeping, collective action
        self.capacity_cut = np.zeros(len(SERVICES))
        self.service_capacity = np.zeros(len(SERVICES))
        services.refresh(self)
        self.safety = collective_action.setup(self)
        self.weights = HelpWeights.from_scenario(p)
        self.channels: list[Channel] = list(CORE_CHANNELS)
        gatekeeping.state(self)  # professionals' baseline attitudes, as at week 0
        referral.install(self)  # the referral channel, before the professional one
        self.bounded_channels: set[int] = set()  # channels whose commitments do not grow

        # levers: registered after the burn-in (below), which no lever takes part in
        self.hooks: dict[str, list[Lever_]] = {h: [] for h in HOOK_POINTS}
        self.lever_state: dict[str, Any] = {}  # each lever's own state (``Lever.state``)
        self.costs: Counter[str] = Counter()  # GBP this week, by lever / item
        self.costs_total: Counter[str] = Counter()
        levers = (*self.policy_levers, *levers)
        for lever in levers:
            check_point(lever)
        # every lever with a cost is costed, whether named in policies= or passed in levers=
        self.costed_levers = [lv for lv in levers if callable(getattr(lv, "weekly_cost", None))]
        self.lever_cost_names = tuple(lever_name(lv) for lv in self.costed_levers)

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
        n = self.n_residents
        self.busy = np.zeros(n, bool)
        self.week_hours_buffer = np.zeros(n)  # delivery's buffer, zero between weeks
        self.helper_marks = np.zeros(n, np.int64)  # delivery's marks of the week's helpers
        self.good_marks = trust.GoodExperiences(n)
        self.examples = RecentHelpers(n, p.example_weeks)
        self.example_count = self.examples.count  # ties who helped recently (the same array)
        self.recent_helper = self.examples.recent
        self.events: Counter[str] = Counter()
        k, c, nbn = len(self.kinds.names), len(CHANNELS), len(self.nb.start)
        self.met_by_kind_channel = np.zeros((k, c), np.int64)
        self.hours_by_channel_total = np.zeros(c)
        self.lapsed_by_kind = np.zeros(k, np.int64)
        self.crises_by_kind = np.zeros(k, np.int64)
        self.left_open_by_kind = np.zeros(k, np.int64)  # open needs whose owner left (turnover)
        self.met_by_nbhd = np.zeros(nbn, np.int64)
        self.lapsed_by_nbhd = np.zeros(nbn, np.int64)
        self.lapsed = np.zeros(0, bool)
        self.professional_hours_total = 0.0
        self.crisis_hours_total = 0.0  # professional hours spent on crises
        self.hours_last_year = np.zeros(n, np.float32)
        self.barrier_codes = np.full(n, -1, np.int8)
        self.stats: dict[str, float] = {}
        self.start_means = means(self)
        self.years: list[dict[str, Any]] = []  # each closed year's participation (close_year)
        self._nx: tuple[int, Any] | None = None
        futures.setup(self)  # the future the world follows (None: none), from week 0
        reporters = model_reporters(
            tuple(f"cost_{n}" for n in self.lever_cost_names)
            + (FUTURE_SERIES if self.future is not None else ())
        )
        # results weeks only; the burn-in's weeks go to a collector of their own
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.burn_in_datacollector = mesa.DataCollector(model_reporters=reporters)
        # ready at week 0: the burn-in, computed or (``burn_in_cache``) restored from the
        # cache of burned-in towns (``state.burn_in_cache``), bit-identical either way
        entry = (
            town_cache.key(self, self._runs_default_rules(), need_kinds is None)
            if burn_in_cache
            else None
        )
        if entry is None or not town_cache.restore(self, entry):
            self.burn_in(progress)
            if entry is not None:
                town_cache.store(self, entry)
        # each results year's per-resident records (Mesa's agent_reporters; a sample in big
        # towns): not part of the burned-in town, so attached after it
        attach_agent_records(self)
        for lever in levers:  # the levers' set-up sees the town as it is at week 0
            self.add_lever(lever)

    def _runs_default_rules(self) -> bool:
        """Whether every rule is the package's own (a burned-in town is cached only then)."""
        return all(self.rules[name] is rule.default for name, rule in RULES.items())

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week of results: every phase of ``schedule.WEEK``, in order."""
        self._week()

    def _week(self) -> None:
        self.events = Counter()
        self.costs = Counter()
        for phase in WEEK:
            phase(self)

    def burn_in(self, progress: bool = False) -> None:
        """Run the burn-in's weeks (``burn_in_years``; no levers act) if not yet run; the
        results' totals then start from zero. ``__init__`` calls it, so the model is ready at
        week 0; calling it again does nothing."""
        weeks = range(max(-self.week, 0))
        if progress and len(weeks):
            weeks = tqdm(weeks, desc="burn-in weeks", unit="wk")
        for _ in weeks:
            self._week()

    def start_results(self) -> None:
        """Totals of the run start from zero (``schedule.start_results``, at week 0 after a
        burn-in): every counter a summary reports over the run is reset here."""
        reset_run_totals(self)

    def run_weeks(self, weeks: int, progress: bool = False) -> None:
        """Advance ``weeks`` weeks of results, optionally with a progress bar. ``weeks`` must be
        a whole number of at least 1 (a run of no or negative weeks is refused, not ignored)."""
        check_weeks(weeks)
        it = range(weeks)
        if progress:
            it = tqdm(it, desc="weeks", unit="wk")
        for _ in it:
            self.step()  # Mesa's step counter counts results weeks, not the burn-in's

    # ------------------------------------------------------------------ for levers
    def add_lever(self, lever: Lever_) -> None:
        """Register a lever at its ``point`` of the week (default ``start_of_week``), after
        its ``setup``, and at each further point it declares (``Lever.also``)."""
        point = check_point(lever)
        steps = lever_steps(lever)
        for step in steps:
            check_point(step)
            if not callable(getattr(lever, step.method, None)):
                raise ValueError(f"lever {lever!r}: also runs {step.method!r}, not a method")
        setup = getattr(lever, "setup", None)
        if callable(setup):
            setup(self)
        for step in steps:
            self.hooks[step.point].append(step)
        self.hooks[point].append(lever)

    def add_channel(
        self, channel: Channel, before: Sequence[str] = ("professional",), bounded: bool = False
    ) -> None:
        """Put ``channel`` in the order of channels (once), before the first of the channels
        named in ``before`` that is present; ``bounded`` commitments made through it do not
        grow (a time bank's promise)."""
        names = [getattr(c, "name", "") for c in self.channels]
        if channel.name not in names:
            later = [i for i, nm in enumerate(names) if nm in before]
            self.channels.insert(later[0] if later else len(names), channel)
        if bounded:
            self.bounded_channels.add(CHANNELS.index(channel.name))

    def rng_for(self, name: str) -> np.random.Generator:
        """This week's random stream of mechanism or lever ``name`` (burn-in weeks draw from
        streams of their own, so results weeks draw the same numbers whatever the burn-in)."""
        if self.week < 0:
            return self.streams.get(f"burn-in:{name}", self.week + self.burn_in_weeks)
        return self.streams.get(name, self.week)

    def reopen(self, rows: np.ndarray, let_down: bool) -> None:
        """Helpers leave these need rows (``commitment.reopen``); for levers that end
        commitments (a planned handover passes ``let_down=False``)."""
        commitment.reopen(self, rows, let_down)

    def assign(self, m: Match, channel: int, edges: np.ndarray | None = None) -> None:
        """Record that channel ``channel`` meets need rows ``m.rows`` with ``m.helpers``."""
        channels.assign(self, m, channel, edges)

    def professional_load(self) -> np.ndarray:
        """Hours each service's staff owe this week to the cases they already hold."""
        return services.professional_load(self)

    def recount_committed(self) -> None:
        """Each resident's committed hours, summed again from the needs they hold."""
        committed = self.pop.committed
        committed[:] = 0.0
        add_by_helper(self.needs.helper, self.needs.hours, committed)
        local_groups.add_committed(self, committed)  # roles in other local organisations

    # ------------------------------------------------------------------ views
    @property
    def graph_nx(self):
        """The social graph as a networkx Graph, with this week's trust on its edges: built on
        the first access in a week and cached for the rest of it (tie trust changes weekly).
        Slow for big towns: about 50 s and 3 GiB at a million residents."""
        if self._nx is None or self._nx[0] != self.week:
            self._nx = (self.week, to_networkx(self.graph, self.pop.nbhd, self.tie_trust))
        return self._nx[1]
