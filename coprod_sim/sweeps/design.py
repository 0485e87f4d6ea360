"""A sweep design: what to vary, how to sample it, how many replications, what to keep.

A design is read from TOML (``load_design("study.toml")``) or given as a Python dict
(``Design.from_dict({...})``); both go through the same pydantic model and the same checks, so a
bad design is refused before any run with a message naming the entry, the value and what is
allowed (``DesignError``). Factor names follow the scenario file's convention: ``name`` is a
scenario (world or run) parameter, ``lever`` switches a lever on (true) or off (false), and
``lever.param`` sets a lever parameter (and switches that lever on).

    [sweep]
    name = "smoke"
    seed = 2026
    replications = 4
    years = 1
    burn_in_weeks = 0

    [world]                 # fixed for every arm
    town = "demo"

    [design]
    kind = "factorial"      # arms | factorial | lhs | sobol | morris | table
    futures = ["steady", "ageing_austerity"]   # optional: every arm under each future
    [design.factors]
    time_bank = [false, true]
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coprod_sim.calibration.posterior import check_town, load_posterior, posterior_by_default
from coprod_sim.data.toml_file import read_toml, read_toml_text
from coprod_sim.parameters import ScenarioError
from coprod_sim.rules import RULES, check_rule, load_rule
from coprod_sim.scenario import Scenario
from coprod_sim.sweeps import samplers
from coprod_sim.sweeps.design_schema import (
    DEFAULT_COSTS,
    DEFAULT_CUMULATIVE,
    Adaptive,
    Arm,
    DesignModel,
    DesignSection,
    Kind,
    SweepSection,
)
from coprod_sim.sweeps.factors import DesignError, check_lever, factor_kind

#: the design file's schema lives in ``design_schema`` (below the samplers, which read it) and is
#: re-exported here, so ``from coprod_sim.sweeps.design import SweepSection`` keeps working
__all__ = [
    "DEFAULT_COSTS",
    "DEFAULT_CUMULATIVE",
    "DEFAULT_LOWER_IS_BETTER",
    "LEGACY_COSTS",
    "LEGACY_LOWER_IS_BETTER",
    "REPORT_ONLY",
    "Adaptive",
    "Arm",
    "Design",
    "DesignError",
    "DesignModel",
    "DesignSection",
    "Kind",
    "SweepSection",
    "load_design",
    "matches",
]

#: which way each metric is better comes from the metric registry
#: (``coprod_sim.analysis.metrics``); a design's ``lower_is_better`` is an explicit override.
#: This is the list designs recorded before the registry: a results folder whose manifest holds
#: exactly it is read as "no override" (its misses, e.g. needs_residents_unmet, were a bug)
LEGACY_LOWER_IS_BETTER = (
    "needs_lapsed",
    "needs_open_end",
    "crises",
    "crisis_hours",
    "professional_hours",
    "professional_cost_gbp",
    "lever_cost_",
    "cost_total",
    "top10_hours_share",
    "fear_of_commitment_",
    "barrier_",
    "*lapsed_share",
)
#: no override: the registry decides (kept as a name for old imports)
DEFAULT_LOWER_IS_BETTER: tuple[str, ...] = ()
#: what designs recorded before the payers' costs were added (read as the new default)
LEGACY_COSTS = ("cost_total", "lever_cost_total", "professional_cost_gbp")


#: sweep entries that change the report, not the runs (left out of the fingerprint)
REPORT_ONLY = ("name", "description", "headline", "lower_is_better", "costs")


def matches(name: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """``name`` matches a pattern: exact, ``prefix_`` (ends with _), or ``*suffix``."""
    for p in patterns:
        if p.startswith("*"):
            if name.endswith(p[1:]):
                return True
        elif p.endswith("_") or p.endswith("."):
            if name.startswith(p):
                return True
        elif name == p:
            return True
    return False


# ------------------------------------------------------------------ the design
class Design:
    """A validated design: the parsed model plus its source text and fingerprint."""

    def __init__(
        self,
        model: DesignModel,
        source: str | None = None,
        path: str | None = None,
        check_posterior: bool = True,
    ) -> None:
        self.model = model
        self.source = source
        self.path = path  # the file it was read from (recorded, not part of the fingerprint)
        self._posterior: Any = None
        #: why a design that names no posterior draws from none ('' when it draws, or names one)
        self.posterior_note = ""
        self._check()
        if model.sweep.posterior is None:
            self._default_posterior()
        if check_posterior:
            self.posterior()

    # ---- construction
    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        source: str | None = None,
        path: str | None = None,
        check_posterior: bool = True,
    ) -> Design:
        """A design from a dict (as TOML reads). ``check_posterior=False`` leaves the posterior
        unread (a report rebuilds its design from the manifest, which records the posterior)."""
        try:
            model = DesignModel.model_validate(data)
        except ValidationError as exc:
            raise DesignError(_describe(exc)) from None
        return cls(model, source, path, check_posterior)

    @property
    def sweep(self) -> SweepSection:
        return self.model.sweep

    @property
    def weeks(self) -> int:
        s = self.sweep
        if s.weeks is not None:
            return s.weeks
        return round(52 * (s.years if s.years is not None else 1.0))

    @property
    def total_weeks(self) -> int:
        return self.sweep.burn_in_weeks + self.weeks

    def to_dict(self) -> dict[str, Any]:
        return self.model.model_dump(mode="json")

    def fingerprint(self) -> str:
        """SHA-256 of the normalised design: a results folder belongs to one fingerprint.

        Settings that only change how results are reported (``REPORT_ONLY``) are left out, so
        a report's headline or cost rows can be edited without refusing the finished runs.
        """
        data = self.to_dict()
        for key in REPORT_ONLY:
            data["sweep"].pop(key, None)
        if data["sweep"].get("posterior") is False:  # designs from before posteriors resume
            data["sweep"].pop("posterior")
        if not data["design"].get("futures"):  # designs from before futures resume
            data["design"].pop("futures", None)
        data.pop("optimise", None)  # the search's table never changes a sweep's runs
        if not data.get("rules"):  # designs from before rules could be named resume
            data.pop("rules", None)
        else:  # a rule edited in its file is another design, even under the same name
            data["rules_source"] = {
                name: hashlib.sha256(
                    inspect.getsource(getattr(fn, "py_func", fn)).encode()
                ).hexdigest()
                for name, fn in self.rules().items()
            }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    # ---- checks that need more than types
    def _check(self) -> None:
        m, s = self.model, self.model.sweep
        if s.years is not None and s.weeks is not None:
            raise DesignError(
                f"sweep: give years or weeks, not both (years = {s.years:g}, weeks = {s.weeks})"
            )
        for name in m.world:
            if factor_kind(name, "world")[0] != "world":
                raise DesignError(
                    f"world: '{name}' is a lever; allowed in [world]: scenario parameters only"
                )
        for lever, params in m.levers.items():
            check_lever(lever, "levers")
            for p in params:
                factor_kind(f"{lever}.{p}", "levers")
        if s.adaptive is not None and s.adaptive.max_replications < s.replications:
            raise DesignError(
                f"sweep.adaptive.max_replications: value {s.adaptive.max_replications} is below "
                f"sweep.replications = {s.replications}; allowed: >= replications"
            )
        if s.adaptive is not None and s.replications < 2:
            raise DesignError(
                "sweep.replications: value 1 with adaptive replications; allowed: >= 2 "
                "(an interval needs two paired replications)"
            )
        samplers.check(self)
        self.rules()

    def rule_refs(self) -> dict[str, str]:
        """The design's rules with file paths made absolute (what every worker imports)."""
        out = {}
        for name, ref in self.model.rules.items():
            where, _, attr = ref.rpartition(":")
            if where.endswith(".py") and not Path(where).is_absolute() and self.path is not None:
                where = str((Path(self.path).parent / where).resolve())
            out[name] = f"{where}:{attr}"
        return out

    def rules(self) -> dict[str, Any]:
        """The swapped rules, imported and tried once on the rule's example inputs."""
        out = {}
        for name, ref in self.rule_refs().items():
            try:
                fn = load_rule(name, ref)
                check_rule(RULES[name], fn)
            except ScenarioError as exc:
                raise DesignError(str(exc)) from None
            out[name] = fn
        return out

    def _default_posterior(self) -> None:
        """A design that names no posterior draws from its town's shipped one when that fits
        this code's rules (the rule ``run`` and the dashboard follow:
        ``calibration.posterior.posterior_by_default``); the resolved value is what the
        manifest records, so a report or a resumed sweep reads the same design."""
        try:
            use, why = posterior_by_default(self.town())
        except DesignError:
            use, why = False, "the seed only: the arms run in different towns (no one posterior)"
        except ScenarioError as exc:  # a town without a shipped posterior
            use, why = False, f"the seed only: {exc}"
        sweep = self.model.sweep.model_copy(update={"posterior": use})
        self.model = self.model.model_copy(update={"sweep": sweep})
        self.posterior_note = why

    def without_posterior(self) -> Design:
        """The same design drawing from no posterior (``--no-posterior``): the seed only."""
        data = self.to_dict()
        data["sweep"]["posterior"] = False
        return Design.from_dict(data, source=self.source, path=self.path)

    def posterior_source(self) -> str | None:
        """What ``sweep.posterior`` names: a town (true: the design's town) or a file path
        (relative paths are taken from the design file's folder); None without one."""
        p = self.sweep.posterior
        if p is False or p is None:
            return None
        if p is True:
            return self.town()
        path = Path(p)
        if not path.is_absolute() and self.path is not None:
            path = Path(self.path).parent / path
        return str(path)

    def town(self) -> str:
        """The one town every arm runs in (DesignError if arms differ)."""
        default = Scenario.model_fields["town"].default
        towns = {p["world"].get("town", default) for p in samplers.points(self)}
        if len(towns) != 1:
            raise DesignError(
                f"sweep.posterior: arms run in different towns ({', '.join(sorted(towns))}); "
                "allowed: a posterior with arms in one town"
            )
        return towns.pop()

    def posterior(self) -> Any:
        """The checked ``Posterior`` the replications draw from, or None (read once)."""
        if self._posterior is None and self.sweep.posterior not in (False, None):
            try:
                post = load_posterior(self.posterior_source())
                check_town(post, self.town(), "the design")
            except ScenarioError as exc:
                raise DesignError(f"sweep.posterior = {self.sweep.posterior!r}: {exc}") from None
            self._posterior = post
        return self._posterior

    def describe(self) -> str:
        pts = samplers.points(self)
        s = self.sweep
        post = self.posterior()
        if post is not None:
            drawn = f"; world parameters drawn per replication from {post.describe()}"
        else:
            drawn = f"; {self.posterior_note}" if self.posterior_note else ""
        return (
            f"{s.name}: {self.model.design.kind} design, {len(pts)} arms x {s.replications} "
            f"replications, {self.weeks} weeks after {s.burn_in_weeks} weeks of burn-in{drawn}"
        )


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        value = err.get("input")
        msg = err["msg"].removeprefix("Value error, ")
        for long, short in (
            ("Input should be greater than or equal to", ">="),
            ("Input should be greater than", ">"),
            ("Input should be less than or equal to", "<="),
            ("Input should be less than", "<"),
        ):
            msg = msg.replace(long, short)
        if err["type"] == "extra_forbidden":
            lines.append(f"design entry '{loc}' (value {value!r}) is unknown; {_allowed_keys(loc)}")
        elif err["type"] == "missing":
            lines.append(f"design entry '{loc}' is missing; it is required")
        else:
            lines.append(f"design entry '{loc}': value {value!r} is not allowed; allowed: {msg}")
    return "\n".join(lines)


def _allowed_keys(loc: str) -> str:
    section = loc.split(".")[0]
    models = {
        "sweep": SweepSection,
        "design": DesignSection,
        "arms": Arm,
    }
    model = models.get(section, DesignModel)
    if section == loc:
        model = DesignModel
    return "allowed entries: " + ", ".join(model.model_fields)


def load_design(path: str | Path) -> Design:
    """Read a TOML design file. Design files are data: read, never executed (a design written
    in Python is a dict passed to ``Design.from_dict``)."""
    path = Path(path)
    what = f"design file '{path}'"
    if path.exists() and not path.is_dir() and path.suffix != ".toml":
        raise DesignError(
            f"{what}: suffix {path.suffix!r} is not allowed; allowed: a .toml file "
            "(from Python, pass a dict to coprod_sim.sweeps.Design.from_dict)"
        )
    data = read_toml(path, what, "allowed: a UTF-8 .toml file", DesignError)
    text = read_toml_text(path)
    _check_finite(data, "")
    return Design.from_dict(data, source=text, path=path.as_posix())


def _check_finite(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise DesignError(f"design entry '{where}': value {value!r}; allowed: a finite number")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(v, f"{where}.{k}" if where else str(k))
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, f"{where}[{i}]")
