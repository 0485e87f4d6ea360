"""A calibration's posterior: the weighted sample of accepted world-parameter sets, as a file.

    from coprod_sim.calibration import load_posterior, posterior_rng
    post = load_posterior("darlington")          # coprod_sim/data/posterior_darlington.json
    post = load_posterior("results/fit/posterior.json")
    params = post.draw(posterior_rng(seed), 1)[0]  # {"help_intercept": 0.31, ...}
    post.median(); post.quantiles([0.05, 0.95])

The file is JSON (format "coprod-sim posterior", version 1) with a SHA-256 checksum of its
canonical form, so a file edited by hand or cut short is refused rather than silently used.
A posterior is tied to the package version and to the parameters it was fitted for: a file made
by another version, or naming a parameter that is not a declared world parameter, or holding a
value outside its prior, is refused with a ``PosteriorError`` that names the file, the field,
the value and what is allowed (and how to refit). The parameters must be the calibrated ones,
those declared with a ``prior`` (``coprod_sim.parameters.param``), each with the declared
uniform prior: a posterior fitted to another set or other priors is refused too.

Draws resample particles by their weights with a NumPy generator, so the same seed gives the
same draw on any machine; ``posterior_rng(seed)`` is the child stream of a run seed that runs and
sweeps use, keyed like the model's own streams (``coprod_sim.state.streams``) by a name no
mechanism uses, so drawing parameters does not shift any of the model's random numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

import coprod_sim
from coprod_sim.calibration.targets import is_calibrated
from coprod_sim.io.run_folder import atomic_write
from coprod_sim.parameters import ScenarioError, closest_names, field_bounds, parameter_rows
from coprod_sim.results_version import RESULTS_VERSION, fit_is_current, stale_fit_note
from coprod_sim.scenario import Scenario
from coprod_sim.state.towns import TOWNS

FORMAT = "coprod-sim posterior"
FORMAT_VERSION = 1
#: how far the weights may sum from 1 (floating-point rounding of a normalised sample)
WEIGHT_TOLERANCE = 1e-9
#: name of the random stream posterior draws come from (a child of the run seed)
POSTERIOR_STREAM = "posterior"
#: the shipped file of a town, in the ``coprod_sim.data`` package
SHIPPED = "posterior_{town}.json"
#: the proposal kernel of an ABC-SMC posterior that records none: the shipped fits of results
#: versions up to 4 ran pyabc's MultivariateNormalTransition with its default bandwidth
DEFAULT_KERNEL = "pyabc default (Silverman)"
#: a posterior file is a few thousand particles; anything this big is not one
MAX_FILE_BYTES = 256 << 20


class PosteriorError(ScenarioError):
    """A posterior that cannot be used: the message names the file, the field, the value and
    what is allowed (a ``ScenarioError``, so the command line exits with code 2)."""


# ------------------------------------------------------------------ the file's schema
class _Model(BaseModel):
    # NaN and infinity pass pydantic here so the checks below can name the row and column
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=True)


class PriorSpec(_Model):
    """One fitted parameter: its name, unit, prior law and the prior's range."""

    name: str = Field(min_length=1)
    unit: str
    prior: Literal["uniform"] = "uniform"
    low: float
    high: float


class TargetSpec(BaseModel):
    """One calibration target (the fit may add fields such as a tolerance)."""

    model_config = ConfigDict(extra="allow", strict=True)

    id: str = Field(min_length=1)
    value: float
    kind: str
    measure: str
    source: str = ""


class DistanceSpec(BaseModel):
    """The distance the fit used between simulated and target figures."""

    model_config = ConfigDict(extra="allow", strict=True)

    name: str
    description: str = ""
    epsilons: list[float] = Field(default_factory=list)


def canonical_json(data: Mapping[str, Any]) -> str:
    """The canonical text the checksum is taken of: sorted keys, no spaces, ASCII only."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def checksum_of(data: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of every field but ``checksum``."""
    body = {k: v for k, v in data.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(canonical_json(body).encode("ascii")).hexdigest()


def _plain_json(v: Any) -> Any:
    """NumPy scalars and arrays (as a fit leaves them) as Python numbers and lists."""
    if isinstance(v, Mapping):
        return {str(k): _plain_json(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain_json(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain_json(v.tolist())
    if isinstance(v, np.generic):
        return v.item()
    return v


def draw_for_run(
    post: Posterior, seed: int, explicit: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parameter set run seed ``seed`` draws (from ``posterior_rng(seed)``) and what the
    run records of it. Parameters in ``explicit`` (set by the user) keep their value: they are
    left out of the returned overrides and listed in the record as ``overridden``."""
    explicit = explicit or {}
    drawn = post.draw(posterior_rng(seed), 1)[0]
    applied = {k: v for k, v in drawn.items() if k not in explicit}
    record = {
        **post.record(),
        "stream": f"child '{POSTERIOR_STREAM}' of run seed {seed}",
        "drawn": drawn,
        "applied": applied,
        "overridden": {k: explicit[k] for k in drawn if k in explicit},
    }
    return applied, record


def posterior_rng(seed: int) -> np.random.Generator:
    """The generator a run (or a sweep's replication) draws its parameter set from: child
    ``POSTERIOR_STREAM`` of the run seed, so one seed always gives one draw."""
    key = zlib.crc32(POSTERIOR_STREAM.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(key,)))


class Posterior(_Model):
    """A posterior sample of world parameters, as written by ``coprod-sim calibrate``.

    Constructing one checks it as loading does (``PosteriorError`` if bad); ``save`` writes it
    with its checksum. ``particles[i][j]`` is parameter ``parameters[j]`` of particle ``i``.
    """

    format: Literal["coprod-sim posterior"] = FORMAT
    format_version: Literal[1] = FORMAT_VERSION
    package_version: str = Field(default_factory=lambda: coprod_sim.__version__)
    #: the model's results version the fit simulated (``coprod_sim.results_version``); None in
    #: files written before versions existed (they are stale: refit)
    results_version: int | None = None
    town: str
    scale: float
    created: str
    parameters: list[PriorSpec]
    particles: list[list[float]]
    weights: list[float]
    targets: list[TargetSpec] = Field(default_factory=list)
    distance: DistanceSpec
    fit: dict[str, Any] = Field(default_factory=dict)
    seeds: dict[str, Any] = Field(default_factory=dict)
    checks: dict[str, Any] = Field(default_factory=dict)
    checksum: str | None = None

    @field_validator("particles", "weights", "fit", "seeds", "checks", mode="before")
    @classmethod
    def _plain(cls, v: Any) -> Any:
        """NumPy arrays and numbers (as a fit leaves them) as plain JSON values."""
        return _plain_json(v)

    @model_validator(mode="before")
    @classmethod
    def _new_fit_records_version(cls, data: Any) -> Any:
        """A posterior without a checksum is being made now (a fit's payload; every file has
        one): it records this code's results version. A file keeps what it recorded."""
        if isinstance(data, dict) and "checksum" not in data and "results_version" not in data:
            return {**data, "results_version": RESULTS_VERSION}
        return data

    _source: str = PrivateAttr(default="Posterior(...)")

    def __init__(self, **data: Any) -> None:
        where = _WHERE.get()
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _unwrap(exc, where) from None
        self._source = where
        self._check(where)

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Posterior:
        """As pydantic's, but a bad posterior raises ``PosteriorError`` with its message."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise _unwrap(exc, _WHERE.get()) from None

    # ---- what it holds
    @property
    def names(self) -> list[str]:
        """The fitted parameters, in column order."""
        return [p.name for p in self.parameters]

    @property
    def source(self) -> str:
        """Where it was read from (a path, or ``package:coprod_sim/data/<file>``)."""
        return self._source

    def data(self) -> dict[str, Any]:
        """Every field as JSON values, without the checksum (what the checksum is taken of); a
        file from before results versions has no ``results_version`` field, so none is added."""
        data = self.model_dump(mode="json", exclude={"checksum"})
        if data.get("results_version") is None:
            del data["results_version"]
        return data

    def compute_checksum(self) -> str:
        return checksum_of(self.data())

    def save(self, path: str | Path) -> Path:
        """Write the file (JSON with its checksum) atomically; returns the path."""
        self._check(str(path))
        data = self.data()
        data["checksum"] = checksum_of(data)
        text = _layout(data)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda p: p.write_text(text, encoding="ascii"))
        self.checksum = data["checksum"]
        self._source = str(path)
        return path

    # ---- using it
    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(self.particles, dtype=float).reshape(len(self.particles), -1)
        w = np.asarray(self.weights, dtype=float)
        return x, w / w.sum()

    def draw(self, rng: np.random.Generator, n: int = 1) -> list[dict[str, float]]:
        """``n`` parameter sets resampled by weight (with replacement); whole-number parameters
        come as ints. The same generator state gives the same draws."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise PosteriorError(f"draw: n = {n!r} is not allowed; allowed: a whole number >= 0")
        x, w = self._matrix()
        rows = rng.choice(len(w), size=int(n), replace=True, p=w)
        ints = _int_params()
        return [
            {
                name: int(round(v)) if name in ints else float(v)
                for name, v in zip(self.names, x[i], strict=True)
            }
            for i in rows
        ]

    def quantiles(self, q: Sequence[float]) -> dict[str, list[float]]:
        """Weighted quantiles of each parameter (inverted weighted CDF: each is a particle's
        value), by name."""
        qs = np.asarray(q, dtype=float)
        if qs.ndim != 1 or not np.all((qs >= 0) & (qs <= 1)):
            raise PosteriorError(f"quantiles: q = {q!r} is not allowed; allowed: numbers in [0, 1]")
        x, w = self._matrix()
        return {
            name: [float(v) for v in np.quantile(x[:, j], qs, weights=w, method="inverted_cdf")]
            for j, name in enumerate(self.names)
        }

    def median(self) -> dict[str, float]:
        """The weighted median of each parameter, by name."""
        return {k: v[0] for k, v in self.quantiles([0.5]).items()}

    def mean(self) -> dict[str, float]:
        """The weighted mean of each parameter, by name."""
        x, w = self._matrix()
        return {name: float(w @ x[:, j]) for j, name in enumerate(self.names)}

    def describe(self) -> str:
        """One line: what this posterior is and where it came from (and, for a fit of another
        model's results, that it is stale: every run and report that draws from it says so)."""
        return (
            f"posterior of {len(self.names)} parameters, {len(self.weights)} particles, town "
            f"{self.town} at scale {self.scale:g}, coprod-sim {self.package_version}, "
            f"{self.source} ({self.compute_checksum()[:19]}){self.staleness()}"
        )

    def kernel(self) -> str:
        """How the fit proposed parameter sets, in words: ABC-SMC's proposal kernel as the file
        records it (``fit.kernel``), or, for a file that records none (fitted before the kernel
        was recorded), pyabc's default, which those fits used; history matching has none."""
        if self.fit.get("method") == "history-matching":
            return "none (history matching, then ABC rejection in the region)"
        recorded = self.fit.get("kernel")
        if not isinstance(recorded, dict):
            return DEFAULT_KERNEL
        return f"{recorded.get('name', '?')}, scaling {recorded.get('scaling', float('nan')):g}"

    def staleness(self) -> str:
        """'' for a fit of this model's results; else a warning naming both versions."""
        note = stale_fit_note(self.results_version, town=self.town)
        return f"; {note}" if note else ""

    def record(self) -> dict[str, Any]:
        """What a run or a sweep records of the posterior it drew from."""
        return {
            "file": self.source,
            "checksum": self.compute_checksum(),
            "town": self.town,
            "scale": self.scale,
            "package_version": self.package_version,
            "results_version": self.results_version,
            "created": self.created,
            "parameters": self.names,
            "particles": len(self.weights),
        }

    # ---- checks beyond types
    def _check(self, where: str) -> None:
        fail = _failer(where)
        if self.package_version != coprod_sim.__version__:
            fail(
                f"field 'package_version': value {self.package_version!r}: this posterior was "
                f"made for coprod-sim {self.package_version}, and this is coprod-sim "
                f"{coprod_sim.__version__}, whose model may differ; allowed: "
                f"{coprod_sim.__version__!r} (refit it with `coprod-sim calibrate --town "
                f"{self.town}`)"
            )
        if self.town not in TOWNS:
            fail(
                f"field 'town': value {self.town!r} is not a town preset; allowed: one of "
                + ", ".join(TOWNS)
            )
        if not (math.isfinite(self.scale) and self.scale > 0):
            fail(f"field 'scale': value {self.scale!r} is not allowed; allowed: a number > 0")
        try:
            datetime.fromisoformat(self.created)
        except ValueError:
            fail(
                f"field 'created': value {self.created!r} is not a date and time; allowed: ISO "
                "8601, e.g. '2026-11-29T17:00:00Z'"
            )
        self._check_parameters(fail)
        self._check_particles(fail)
        self._check_weights(fail)

    def _check_parameters(self, fail: Any) -> None:
        if not self.parameters:
            fail("field 'parameters': value [] is empty; allowed: one or more world parameters")
        declared = {r["name"]: r for r in parameter_rows(Scenario)}
        world = [n for n, r in declared.items() if r["role"] == "world"]
        seen: set[str] = set()
        for j, p in enumerate(self.parameters):
            at = f"parameters[{j}]"
            if p.name in seen:
                fail(f"field '{at}.name': value {p.name!r} is given twice; allowed: each once")
            seen.add(p.name)
            row = declared.get(p.name)
            if row is None:
                fail(
                    f"field '{at}.name': value {p.name!r} is not a parameter of coprod-sim "
                    f"{coprod_sim.__version__} (the posterior was made for other parameter "
                    f"names); {closest_names(p.name, world)}; refit with `coprod-sim calibrate "
                    f"--town {self.town}`"
                )
            if row["role"] != "world":
                fail(
                    f"field '{at}.name': value {p.name!r} is a {row['role']} parameter; allowed: "
                    "a world parameter (the uncertainties a calibration fits)"
                )
            if p.unit != row["unit"]:
                fail(
                    f"field '{at}.unit': value {p.unit!r} for '{p.name}' differs from its "
                    f"declared unit {row['unit']!r} (the posterior was made for another meaning "
                    f"of the parameter); allowed: {row['unit']!r}; refit with `coprod-sim "
                    f"calibrate --town {self.town}`"
                )
            if not (math.isfinite(p.low) and math.isfinite(p.high) and p.low < p.high):
                fail(
                    f"field '{at}': prior range [{p.low!r}, {p.high!r}] of '{p.name}' is not "
                    "allowed; allowed: finite low < high"
                )
            declared_prior = row.get("prior")
            if declared_prior is None or not is_calibrated(row):
                fail(
                    f"field '{at}.name': value {p.name!r} is not a calibrated parameter of "
                    f"coprod-sim {coprod_sim.__version__} (no prior is declared for it; the "
                    "posterior was made for other parameters); allowed: "
                    + _calibrated_text(declared)
                    + f"; refit with `coprod-sim calibrate --town {self.town}`"
                )
            if (p.low, p.high) != tuple(declared_prior):
                fail(
                    f"field '{at}': prior [{p.low:g}, {p.high:g}] of '{p.name}' differs from "
                    f"the prior coprod-sim {coprod_sim.__version__} declares, "
                    f"[{declared_prior[0]:g}, {declared_prior[1]:g}] (the posterior was fitted "
                    f"with other priors); refit with `coprod-sim calibrate --town {self.town}`"
                )
            if not (_inside(p.name, p.low) and _inside(p.name, p.high)):
                fail(
                    f"field '{at}': prior range [{p.low:g}, {p.high:g}] of '{p.name}' leaves "
                    f"its declared range; allowed: within {_declared_text(p.name)}"
                )
        missing = [n for n, r in declared.items() if is_calibrated(r) and n not in seen]
        if missing:
            fail(
                f"field 'parameters': {', '.join(repr(n) for n in missing)} missing; coprod-sim "
                f"{coprod_sim.__version__} calibrates it (the posterior was made for other "
                f"parameters); allowed: {_calibrated_text(declared)}; refit with `coprod-sim "
                f"calibrate --town {self.town}`"
            )

    def _check_particles(self, fail: Any) -> None:
        n_par = len(self.parameters)
        if not self.particles:
            fail("field 'particles': value [] is empty; allowed: one or more particles")
        ints = _int_params()
        for i, row in enumerate(self.particles):
            if len(row) != n_par:
                fail(
                    f"field 'particles[{i}]': {len(row)} values, but 'parameters' lists {n_par} "
                    f"({', '.join(self.names)}); allowed: one value per parameter, in that order"
                )
            for j, v in enumerate(row):
                p = self.parameters[j]
                at = f"field 'particles[{i}][{j}]' ('{p.name}')"
                if not math.isfinite(v):
                    fail(
                        f"{at}: value {v!r} is not allowed; allowed: a finite number in "
                        f"[{p.low:g}, {p.high:g}]"
                    )
                if not p.low <= v <= p.high:
                    fail(
                        f"{at}: value {v!r} is outside its prior range; allowed: within "
                        f"[{p.low:g}, {p.high:g}] (declared {_declared_text(p.name)})"
                    )
                if p.name in ints and not float(v).is_integer():
                    fail(f"{at}: value {v!r} is not allowed; allowed: a whole number")

    def _check_weights(self, fail: Any) -> None:
        n, m = len(self.particles), len(self.weights)
        if m != n:
            fail(
                f"field 'weights': {m} weights for {n} particles; allowed: one weight per particle"
            )
        for i, w in enumerate(self.weights):
            if not math.isfinite(w) or w < 0:
                fail(
                    f"field 'weights[{i}]': value {w!r} is not allowed; allowed: a finite number "
                    ">= 0"
                )
        total = math.fsum(self.weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            fail(
                f"field 'weights': they sum to {total!r}; allowed: a sum of 1 within "
                f"{WEIGHT_TOLERANCE:g}"
            )


def _layout(data: Mapping[str, Any]) -> str:
    """The file's text: a field a line, a list's items (particles, targets) a line each, so
    the file reads and diffs well; the checksum does not depend on the layout."""

    def dump(v: Any) -> str:
        return json.dumps(v, ensure_ascii=True, allow_nan=False, sort_keys=False)

    lines = []
    for key, value in data.items():
        try:
            if isinstance(value, list) and value and isinstance(value[0], list | dict):
                items = ",\n".join(f"  {dump(v)}" for v in value)
                lines.append(f" {dump(key)}: [\n{items}\n ]")
            else:
                lines.append(f" {dump(key)}: {dump(value)}")
        except (ValueError, TypeError) as exc:
            raise PosteriorError(
                f"posterior: field '{key}' cannot be written as JSON ({exc}); allowed: JSON "
                "values (finite numbers, text, lists, tables)"
            ) from None
    return "{\n" + ",\n".join(lines) + "\n}\n"


# ------------------------------------------------------------------ reading
def _failer(where: str) -> Any:
    def fail(message: str) -> None:
        raise PosteriorError(f"posterior {where}: {message}")

    return fail


def _calibrated_text(declared: Mapping[str, Mapping[str, Any]]) -> str:
    names = [n for n, r in declared.items() if is_calibrated(r)]
    return "the calibrated parameters, " + ", ".join(names)


def _int_params() -> set[str]:
    return {n for n, f in Scenario.model_fields.items() if f.annotation is int}


def _bounds(name: str) -> tuple[float | None, bool, float | None, bool]:
    """(low, low is open, high, high is open) of a declared parameter."""
    return field_bounds(Scenario.model_fields[name])


def _inside(name: str, v: float) -> bool:
    lo, lo_open, hi, hi_open = _bounds(name)
    if lo is not None and (v < lo or (lo_open and v == lo)):
        return False
    return not (hi is not None and (v > hi or (hi_open and v == hi)))


def _declared_text(name: str) -> str:
    lo, lo_open, hi, hi_open = _bounds(name)
    left = "(-inf" if lo is None else f"{'(' if lo_open else '['}{lo:g}"
    right = "inf)" if hi is None else f"{hi:g}{')' if hi_open else ']'}"
    return f"{left}, {right}"


#: where the posterior being built comes from, for its messages (set while a file is read)
_WHERE: ContextVar[str] = ContextVar("posterior_source", default="Posterior(...)")


def _unwrap(exc: ValidationError, where: str) -> PosteriorError:
    """The ``PosteriorError`` a check raised (pydantic wraps errors raised while it builds a
    model), or one describing pydantic's own errors."""
    for err in exc.errors():
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, PosteriorError):
            return inner
    return PosteriorError(_describe(exc, where))


def _describe(exc: ValidationError, where: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        if err["type"] == "extra_forbidden":
            lines.append(f"posterior {where}: field '{loc}' is not a field of format version 1")
        elif err["type"] == "missing":
            lines.append(f"posterior {where}: field '{loc}' is missing; it is required")
        else:
            lines.append(
                f"posterior {where}: field '{loc}': value {shown} is not allowed; allowed: "
                + err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
            )
    return "\n".join(lines)


def posterior_from_text(text: str, where: str) -> Posterior:
    """Parse and check a posterior file's text; ``where`` names it in messages."""
    fail = _failer(where)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        cut = text.lstrip().startswith("{") and not text.rstrip().endswith("}")
        fail(
            ("is cut short (the JSON ends early" if cut else "is not JSON (")
            + f"{'' if cut else exc.msg}, line {exc.lineno} column {exc.colno}); allowed: a "
            "whole posterior file as `coprod-sim calibrate` writes it"
        )
    if not isinstance(data, dict):
        fail(
            f"holds a JSON {type(data).__name__}, not an object; allowed: a posterior file "
            "as `coprod-sim calibrate` writes it"
        )
    if data.get("format") != FORMAT:
        fail(f"field 'format': value {data.get('format')!r} is not known; allowed: {FORMAT!r}")
    version = data.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        fail(
            f"field 'format_version': value {version!r} is not known to coprod-sim "
            f"{coprod_sim.__version__}; allowed: {FORMAT_VERSION}"
        )
    recorded = data.get("checksum")
    actual = checksum_of(data)
    if recorded != actual:
        fail(
            f"field 'checksum': value {recorded!r} does not match the file's contents "
            f"({actual}): the file was changed or damaged after it was written; allowed: the "
            f"file as `coprod-sim calibrate` wrote it (refit with `coprod-sim calibrate --town "
            f"{data.get('town', 'TOWN')}`)"
        )
    token = _WHERE.set(where)
    try:
        return Posterior.model_validate(data)
    finally:
        _WHERE.reset(token)


def shipped_posterior_path(town: str) -> str:
    """The package-relative name of a town's shipped posterior (it may not exist)."""
    return f"coprod_sim/data/{SHIPPED.format(town=town)}"


def load_posterior(source: str | Path) -> Posterior:
    """A posterior from a file path, or a town preset's name for the posterior shipped in the
    package (read with importlib.resources, so an installed wheel finds it too).

    Raises ``PosteriorError`` naming the file, the field, the value and what is allowed.
    """
    if isinstance(source, str) and source in TOWNS:
        return _load_shipped(source)
    path = Path(source)
    if isinstance(source, str) and path.suffix != ".json" and not path.exists():
        raise PosteriorError(
            f"posterior {str(source)!r}: not a town preset nor a posterior file; allowed: a "
            f"town ({', '.join(TOWNS)}) for its shipped posterior, or the path of a posterior "
            "file (.json)"
        )
    if not path.is_file():
        why = "is a folder" if path.is_dir() else "does not exist"
        raise PosteriorError(
            f"posterior file '{path}' {why}; allowed: a posterior file (.json) as `coprod-sim "
            "calibrate` writes it, or a town name for its shipped posterior"
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PosteriorError(
                f"posterior file '{path}' is {size:,} bytes; allowed: at most "
                f"{MAX_FILE_BYTES:,} bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise PosteriorError(
            f"posterior file '{path}' cannot be read: {exc.strerror or exc}"
        ) from None
    where = str(path.resolve())
    return posterior_from_text(_decode(raw, where), where)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PosteriorError(
            f"posterior {where}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position "
            f"{exc.start}): the file is damaged; allowed: the file as `coprod-sim calibrate` "
            "wrote it"
        ) from None


def _load_shipped(town: str) -> Posterior:
    name = SHIPPED.format(town=town)
    resource = files("coprod_sim.data").joinpath(name)
    where = f"package:{shipped_posterior_path(town)}"
    if not resource.is_file():
        raise PosteriorError(
            f"no posterior is shipped for town '{town}' yet ({shipped_posterior_path(town)} "
            f"does not exist); make one with `coprod-sim calibrate --town {town}` (it writes "
            f"posterior_{town}.json) and give that file's path (`run --posterior-file PATH`, "
            'or `posterior = "PATH"` in a design), or run without a posterior (the declared '
            "defaults)"
        )
    post = posterior_from_text(_decode(resource.read_bytes(), where), where)
    if post.town != town:
        raise PosteriorError(
            f"posterior {where}: field 'town': value {post.town!r}, but it is shipped as town "
            f"'{town}''s posterior; allowed: {town!r} (refit with `coprod-sim calibrate --town "
            f"{town}`)"
        )
    return post


def pooled_centre(towns: Iterable[str] = tuple(TOWNS)) -> dict[str, float]:
    """The centre of the towns' shipped posteriors: each fitted parameter's weighted median
    over their particles pooled, each town weighing the same. The declared defaults of the
    fitted world parameters sit there (issue 25: a run with ``--no-posterior`` is the
    posterior's centre, not a hand-tuned edge of it; ``tests/calibration/test_shipped.py``
    checks it after every refit)."""
    posts = [load_posterior(t) for t in towns]
    names = posts[0].names
    values, weights = [], []
    for post in posts:
        if post.names != names:
            raise PosteriorError(
                f"posterior {post.source}: fits {post.names}, the others fit {names}; allowed: "
                "posteriors of the same parameters"
            )
        w = np.asarray(post.weights, float)
        values.append(np.asarray(post.particles, float))
        weights.append(w / w.sum())
    v, w = np.vstack(values), np.concatenate(weights)
    return {
        n: float(np.quantile(v[:, j], 0.5, weights=w, method="inverted_cdf"))
        for j, n in enumerate(names)
    }


def posterior_by_default(town: str) -> tuple[bool, str]:
    """Whether a run of ``town`` draws from its shipped posterior when not told (issue 25:
    calibration uncertainty by default): yes when the posterior was fitted to these rules
    (``results_version.fit_is_current``); else no, with what the run then carries (the run
    record keeps it as ``uncertainty``). One rule for ``run``, sweeps and the dashboard's
    replications."""
    fitted = load_posterior(town).results_version
    if fit_is_current(fitted):
        return True, ""
    return False, (
        f"the seed only: the declared world parameters ({town}'s shipped posterior is stale: "
        f"fitted to results version {fitted}, this is {RESULTS_VERSION}; --posterior draws from "
        "it anyway)"
    )


def check_town(post: Posterior, town: str, what: str = "the run") -> None:
    """Refuse a posterior fitted to another town than the one ``what`` uses."""
    if post.town != town:
        raise PosteriorError(
            f"posterior {post.source}: fitted to town '{post.town}', but {what} is in town "
            f"'{town}'; allowed: a posterior of town '{town}' (or set town = '{post.town}')"
        )
