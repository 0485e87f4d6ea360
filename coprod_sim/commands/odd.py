"""Render docs/ODD.md: Jinja2 templates in ODD order plus tables generated from the code.

The ODD protocol (Grimm et al. 2020, JASSS 23(2) 7) orders a model description as
1 Purpose and patterns, 2 Entities, state variables and scales, 3 Process overview and
scheduling, 4 Design concepts, 5 Initialisation, 6 Input data, 7 Submodels. The prose lives in
``coprod_sim/commands/odd_templates/*.md``, installed with the package, so the document renders from
a wheel as from a checkout. Everything that the code already declares (the Scenario parameters,
the kinds of need, the levers, the order of the week) is generated here, so the document cannot
drift from the code. A template calls a generated table as ``{{ name() }}`` (any function of
``GENERATORS``, and ``process_overview``) and places another template as
``{{ include("file.md") }}``. Any template that this module does not place explicitly is added
under 7 Submodels, sorted by name, so new mechanisms appear without editing this file.

``coprod-sim odd`` (or ``python -m coprod_sim.commands.odd``, the same command) writes
docs/ODD.md of the checkout the package runs from; ``--out PATH`` writes anywhere (needed when
the package is installed); ``--check`` exits 1 when the file is stale. Tables are written by pandas
(``DataFrame.to_markdown``, with tabulate).
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import jinja2
import pandas as pd
import typer
from pydantic.fields import FieldInfo

import coprod_sim.model  # noqa: F401 - registers every rule
from coprod_sim import data
from coprod_sim.analysis.costs import UNIT_COSTS
from coprod_sim.calibration.targets import TARGETS, calibrated_parameters
from coprod_sim.commands.listing import future_rows
from coprod_sim.levers import LEVERS
from coprod_sim.levers._table import lever_rows
from coprod_sim.mechanisms.channels import CORE_CHANNELS
from coprod_sim.mechanisms.needs import CHANNELS, DEFAULT_NEED_KINDS, NeedKind, NeedTable
from coprod_sim.mechanisms.outcomes import SURVEY_PARTICIPATION
from coprod_sim.mechanisms.services import MODES, mode_thresholds
from coprod_sim.outputs.reporters import WEEKLY_SERIES
from coprod_sim.parameters import field_range, parameter_rows
from coprod_sim.rules import rules_table as rows
from coprod_sim.scenario import DECLARED_IN, GROUP_OF, Scenario
from coprod_sim.schedule import HOOK_POINTS, RESIDENT_STATE, overview_rows
from coprod_sim.state.ages import BANDS, TURNOVER_FILE
from coprod_sim.state.population import Neighbourhoods, Staff
from coprod_sim.state.towns import TOWNS
from coprod_sim.state.willingness import ACTIVITIES

__all__ = ["field_range", "process_overview", "render", "table"]

#: where the templates are (inside the package; a real folder unless installed zipped)
TEMPLATES_PACKAGE = "coprod_sim.commands"
TEMPLATES_FOLDER = "odd_templates"
SRC_DIR = Path(str(files(TEMPLATES_PACKAGE).joinpath(TEMPLATES_FOLDER)))
#: how the document names its templates
SRC_NAME = "coprod_sim/commands/odd_templates"


def checkout_root() -> Path | None:
    """The source checkout this package runs from (editable install or ``PYTHONPATH``), or
    None when it is installed: then there is no docs/ folder to write and ``--out`` is needed."""
    root = Path(__file__).resolve().parents[2]
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if project.get("project", {}).get("name") == "coprod-sim" and (root / "docs").is_dir():
        return root
    return None


ROOT = checkout_root()
#: docs/ODD.md of the checkout; None when the package is installed
OUT_PATH: Path | None = None if ROOT is None else ROOT / "docs" / "ODD.md"

#: core templates, each holding whole ODD elements with their own ``##`` headings
CORE_FRAGMENTS: tuple[str, ...] = (
    "overview.md",  # 1 Purpose and patterns, 2 Entities..., 3 Process overview
    "design_concepts.md",  # 4 Design concepts (includes outputs.md under Observation)
    "initialisation.md",  # 5 Initialisation
    "input_data.md",  # 6 Input data
)
#: the core's submodels come first under 7 Submodels
SUBMODELS_CORE = "submodels_core.md"
#: templates written for other mechanisms, in the order they are placed under 7 Submodels
KNOWN_SUBMODELS: tuple[str, ...] = (
    "gatekeeping.md",
    "referral_timebank.md",
    "red_tape.md",
    "collective_action.md",
    "turnover.md",
    "life_history.md",
    "futures.md",
    "levers.md",
    "levers_community.md",
)
#: templates included by ``include(...)`` elsewhere (not repeated under Submodels)
INCLUDED_ELSEWHERE: tuple[str, ...] = ("outputs.md",)
#: heading level of an included template's top heading
INCLUDE_LEVEL = 4

_OLD_PLACEHOLDER = re.compile(r"<!--\s*(generated|include):\s*([\w.\-]+)\s*-->")
_INCLUDE_CALL = re.compile(r"""\{\{\s*include\(\s*["']([\w.\-]+)["']""")
_UNDEFINED = re.compile(r"'(\w+)' is undefined")
_HEADING = re.compile(r"^(#{1,6})(\s)")
_FENCE = re.compile(r"^\s*(```|~~~)")


# ---------------------------------------------------------------------------- formatting
def _cell(value: Any) -> str:
    """One table cell: short, one line, pipes escaped."""
    if value is None:
        text = "-"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = "inf" if math.isinf(value) else f"{value:g}"
    elif isinstance(value, (tuple, list)):
        text = "(" + ", ".join(_cell(v) for v in value) + ")"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text.replace("|", "\\|") or "-"


def table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pandas' ``to_markdown``; cells as ``_cell`` writes
    them, never re-read as numbers)."""
    frame = pd.DataFrame(
        [[_cell(v) for v in row] for row in rows], columns=[_cell(h) for h in header]
    )
    return frame.to_markdown(index=False, tablefmt="github", disable_numparse=True)


def _records_table(rows: Any) -> str:
    """Render whatever ``lever_rows()`` returns: Markdown text, a DataFrame or a list of dicts."""
    if isinstance(rows, str):
        return rows.strip()
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict(orient="records")
    rows = list(rows)
    if not rows:
        return "_No levers are registered._"
    if not isinstance(rows[0], Mapping):
        raise TypeError(f"lever_rows() returned rows of type {type(rows[0]).__name__}")
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    return table(keys, ([r.get(k) for k in keys] for r in rows))


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return dict(extra) if isinstance(extra, Mapping) else {}


def _default(field: FieldInfo) -> Any:
    return "(required)" if field.is_required() else field.default


def _first_line(text: str | None) -> str:
    return inspect.cleandoc(text or "").split("\n\n")[0].replace("\n", " ").strip()


# ---------------------------------------------------------------------------- parameters
def group_title(cls: type) -> str:
    """``CollectiveActionParams`` -> "Collective action"."""
    words = re.findall(r"[A-Z][a-z]*", cls.__name__.removesuffix("Params"))
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else cls.__name__


def parameter_table() -> str:
    """The Scenario parameters, one table per group that declares them (``DECLARED_IN``: the
    mechanism's or state's ``*Params`` class), in the order ``Scenario`` joins the groups."""
    rows = parameter_rows(Scenario)
    groups: dict[type, list[dict[str, Any]]] = {cls: [] for cls in DECLARED_IN.values()}
    for row in rows:
        groups[DECLARED_IN[row["name"]]].append(row)
    parts = [
        f"{len(rows)} parameters in {len(groups)} groups, each a keyword argument of "
        "`CoproductionModel` and a key of a scenario file. Each group is declared in the module "
        "of its mechanism (or of the state it sets up) and named for it: "
        "`scenario.commitment.fatigue_rate` is `scenario.fatigue_rate` (one value), and a group "
        "may be given as a table (`[commitment]` in a scenario file, "
        "`commitment={...}` as a keyword, `--set commitment.fatigue_rate=...`). Role: `world` "
        "= an uncertainty about the town and its people, `policy` = a lever a council can "
        "pull, `run` = set-up of the experiment. Range: `[a, b]` inclusive, `(a, b]` excludes a."
    ]
    header = ("parameter", "role", "unit", "default", "range", "source", "meaning")
    for cls, group in groups.items():
        body = [
            (
                f"`{r['name']}`",
                r["role"],
                r["unit"],
                r["default"],
                field_range(Scenario.model_fields[r["name"]]),
                r["source"],
                r["doc"],
            )
            for r in group
        ]
        parts.append(
            f"### {group_title(cls)} (`scenario.{GROUP_OF[group[0]['name']]}`: "
            f"`{cls.__module__}.{cls.__name__}`)\n\n"
            f"{_first_line(cls.__doc__)}\n\n" + table(header, body)
        )
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------- needs
def need_kinds_table() -> str:
    """The NeedKind fields with units and ranges, then every default kind with every field."""
    fields = NeedKind.model_fields
    spec = table(
        ("field", "unit", "default", "range", "meaning"),
        (
            (
                f"`{name}`",
                _extra(f).get("unit", "-"),
                _default(f),
                field_range(f),
                f.description,
            )
            for name, f in fields.items()
        ),
    )
    src = data.sources(data.NEED_KINDS_FILE, "kind")
    kinds = table(
        [*fields, "source"],
        ([*(getattr(k, name) for name in fields), src.get(k.name)] for k in DEFAULT_NEED_KINDS),
    )
    return (
        "Fields of a kind of need (`needs.NeedKind`):\n\n"
        + spec
        + f"\n\nThe {len(DEFAULT_NEED_KINDS)} default kinds (`needs.DEFAULT_NEED_KINDS`, from "
        f"`coprod_sim/data/{data.NEED_KINDS_FILE}`; "
        "`rate` is per 1000 residents of each age group (young, working, retired) a week):\n\n"
        + kinds
    )


# ---------------------------------------------------------------------------- levers
def lever_table() -> str:
    """Every registered lever with its point of the week, source and parameters."""
    intro = (
        f"{len(LEVERS)} levers are registered in `coprod_sim.levers.LEVERS`: "
        + (", ".join(f"`{n}`" for n in sorted(LEVERS)) or "none")
        + ". Each is switched on with `policies={name: {parameter: value}}` (or `--policy`), "
        "and acts from its `start_week` until its `end_week` (0: never ends)."
    )
    return intro + "\n\n" + _records_table(lever_rows())


# ---------------------------------------------------------------------------- the week
#: one phase of the week for the process overview: (phase name, module, one-line doc)
PhaseRow = tuple[str, str, str]


def _lever_points() -> str:
    return "Lever points of the week: " + ", ".join(f"`{h}`" for h in HOOK_POINTS) + "."


def process_overview(rows: Iterable[PhaseRow] | None = None) -> str:
    """3 Process overview: the phases of a week in the order ``step()`` runs them, rendered
    from ``coprod_sim.schedule.WEEK`` (rows of phase name, the function that runs it, and
    the first paragraph of its docstring), so the document and the schedule cannot drift."""
    if rows is None:
        rows = overview_rows()
    body = []
    for i, row in enumerate(rows):
        if len(row) != 3 or not all(isinstance(x, str) for x in row):
            raise ValueError(
                f"process_overview: row {i + 1} is {row!r}; give (phase name, module, "
                "one-line doc) as three strings"
            )
        phase, module, doc = row
        body.append((i + 1, phase, f"`{module}`", doc))
    if not body:
        raise ValueError("process_overview: no phases given; give at least one row")
    return (
        "The week is data: `coprod_sim.schedule.WEEK`, the list of phases `step()` runs in "
        "order. This table is rendered from it (nothing else states the order of a week):\n\n"
        + table(("#", "phase", "runs", "what it does"), body)
        + "\n\n"
        + _lever_points()
    )


def rules_table() -> str:
    """The swappable rules (``coprod_sim.RULES``): each is one function in its module."""
    return (
        "Each rule below is one function, in the module of its mechanism, that the weekly pass "
        "calls; pass a replacement as `CoproductionModel(rules={name: function})`, or replace "
        "the function in its module before building the model.\n\n"
        + table(
            ("rule", "function", "decides", "returns"),
            ((f"`{r['rule']}`", f"`{r['function']}`", r["decides"], r["returns"]) for r in rows()),
        )
    )


def channel_order() -> str:
    return (
        "Channels a need can be met by (`needs.CHANNELS`): "
        + ", ".join(f"`{c}`" for c in CHANNELS)
        + ". Core channels tried each week, in order: "
        + ", ".join(f"`{c.name}`" for c in CORE_CHANNELS)
        + " (levers insert theirs before `professional`)."
    )


# ---------------------------------------------------------------------------- code tables
def willingness_table() -> str:
    return (
        table(
            ("activity", "survey target", "stated-willingness share"),
            ((f"`{a}`", tid, share) for a, (tid, share) in ACTIVITIES.items()),
        )
        + "\n\nLoading of the shared latent disposition: the parameter `disposition_loading`."
    )


def calibration_table() -> str:
    targets = table(
        ("survey target", "value", "model measure", "tolerance", "compared as"),
        (
            (t.id, t.value, f"`{t.measure}`", t.tolerance, t.describe()["compared_as"])
            for t in TARGETS
        ),
    )
    priors = table(
        ("calibrated parameter", "unit", "declared range", "prior (uniform)", "default"),
        (
            (f"`{r['name']}`", r["unit"], field_range(Scenario.model_fields[r["name"]]),
             f"[{_cell(r['prior'][0])}, {_cell(r['prior'][1])}]", r["default"])
            for r in calibrated_parameters()
        ),
    )  # fmt: skip
    return targets + "\n\n" + priors


def participation_targets_table() -> str:
    return table(
        ("model class", "survey target", "value", "compared as"),
        ((f"`{c}`", tid, v, note) for c, (tid, v, note) in SURVEY_PARTICIPATION.items()),
    )


def futures_table() -> str:
    """The shipped futures (``coprod_sim/data/futures/``): each one's values at years 0, 4 and
    10 (``coprod-sim list futures``)."""
    return table(
        ("future", "65+ / 80+ change by year 10", "mortality", "budget (year 4, 10)", "what"),
        (
            (r["name"], r["age_mix"], r["mortality"], r["budget"], r["description"])
            for r in future_rows()
        ),
    )


def age_bands_table() -> str:
    """The age bands of ``turnover.toml`` (as loaded into ``ages.BANDS``)."""
    b = BANDS
    return f"From `coprod_sim/data/{TURNOVER_FILE}` (`ages.BANDS`; every figure rounded):\n\n" + (
        table(
            (
                "band",
                "death qx / year",
                "moving away / year",
                "share of newcomers",
                "start weight in its group",
                "source",
            ),
            (
                (
                    name,
                    float(b.death_qx[i]),
                    float(b.move_rate[i]),
                    float(b.newcomer_share[i]),
                    float(b.start_weight[i]),
                    b.sources[i],
                )
                for i, name in enumerate(b.names)
            ),
        )
    )


def towns_table() -> str:
    """The town presets of ``towns.toml`` (as loaded into ``towns.TOWNS``)."""
    return f"From `coprod_sim/data/{data.TOWNS_FILE}` (`towns.TOWNS`):\n\n" + table(
        (
            "town",
            "residents",
            "neighbourhoods",
            "deprivation Beta(a, b)",
            "diversity Beta(a, b)",
            "source",
        ),
        (
            (
                f"`{t.name}`",
                t.residents,
                t.neighbourhoods,
                t.deprivation_beta,
                t.diversity_beta,
                t.note,
            )
            for t in TOWNS.values()
        ),
    )


def unit_costs_table() -> str:
    """The unit costs of ``unit_costs.toml`` (as loaded into ``costs.UNIT_COSTS``)."""
    return f"From `coprod_sim/data/{data.UNIT_COSTS_FILE}` (`costs.UNIT_COSTS`):\n\n" + table(
        ("unit cost", "value", "unit", "source"),
        ((f"`{name}`", c.value, c.unit, c.source) for name, c in UNIT_COSTS.items()),
    )


def state_arrays_table() -> str:
    """Every state array of residents, staff, neighbourhoods and needs, from the declarations
    (``StateColumn``): dtype, unit, meaning, and for residents the module that owns it."""
    residents = table(
        ("array", "dtype", "unit", "meaning", "declared in"),
        (
            (f"`{c.name}`", c.dtype, c.unit, c.meaning, f"`{c.owner}`")
            for c in RESIDENT_STATE.values()
        ),
    )
    parts = [
        "`model.pop` (`coprod_sim.state.population.Population`), one entry per resident; "
        "each column is declared by the module that owns it (its `STATE`) and collected in "
        "`schedule.RESIDENT_STATE`:\n\n" + residents
    ]
    for where, cls, row in (
        ("model.staff", Staff, "professional"),
        ("model.nb", Neighbourhoods, "neighbourhood"),
        ("model.needs", NeedTable, "live need"),
    ):
        parts.append(
            f"`{where}` (`{cls.__module__}.{cls.__name__}`), one entry per {row}:\n\n"
            + table(
                ("array", "dtype", "unit", "meaning"),
                ((f"`{c.name}`", c.dtype, c.unit, c.meaning) for c in cls.COLUMNS),
            )
        )
    return "\n\n".join(parts)


def modes_table() -> str:
    bounds = [0.0, *[float(x) for x in mode_thresholds(Scenario())], 1.0]
    return table(
        ("mode", "index", "mean staff attitude"),
        (
            (
                f"`{m}`",
                i,
                f"[{bounds[i]:g}, {bounds[i + 1]:g})"
                if i < len(MODES) - 1
                else f"[{bounds[i]:g}, 1]",
            )
            for i, m in enumerate(MODES)
        ),
    )


def reporters_list() -> str:
    return ", ".join(f"`{s}`" for s in WEEKLY_SERIES)


GENERATORS: dict[str, Callable[[], str]] = {
    "rules_table": rules_table,
    "parameters": parameter_table,
    "need_kinds": need_kinds_table,
    "levers": lever_table,
    "channel_order": channel_order,
    "willingness": willingness_table,
    "participation_targets": participation_targets_table,
    "calibration": calibration_table,
    "towns": towns_table,
    "age_bands": age_bands_table,
    "futures": futures_table,
    "unit_costs": unit_costs_table,
    "state_arrays": state_arrays_table,
    "modes": modes_table,
    "weekly_series": reporters_list,
}


# ---------------------------------------------------------------------------- assembly
def shift_headings(text: str, top: int) -> str:
    """Move every heading so that the fragment's highest one is at level ``top``
    (headings inside fenced code are left alone)."""
    lines = text.splitlines()
    levels, fenced = [], False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            levels.append(len(m.group(1)))
    if not levels:
        return text
    delta = top - min(levels)
    out, fenced = [], False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            level = min(6, max(1, len(m.group(1)) + delta))
            line = "#" * level + line[len(m.group(1)) :]
        out.append(line)
    return "\n".join(out)


def _no_bare_function(value: Any) -> Any:
    """``{{ towns }}`` would print the function's address: ask for ``{{ towns() }}``."""
    if callable(value):
        name = getattr(value, "__name__", repr(value))
        raise TypeError(f"a template names the function {name} without calling it: add ()")
    return value


class _Renderer:
    """Renders templates from one folder (or the package) with the generators as globals."""

    def __init__(self, src: Path | None) -> None:
        loader: jinja2.BaseLoader
        if src is None:
            loader = jinja2.PackageLoader(TEMPLATES_PACKAGE, TEMPLATES_FOLDER)
        else:
            loader = jinja2.FileSystemLoader(str(src))
        self.env = jinja2.Environment(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # Markdown, not HTML
            keep_trailing_newline=False,
            finalize=_no_bare_function,
        )
        self.env.globals.update(GENERATORS)
        self.env.globals["process_overview"] = process_overview
        self.env.globals["include"] = self.include

    def names(self) -> list[str]:
        return sorted(n for n in self.env.list_templates(extensions=["md"]) if "/" not in n)

    def source(self, name: str) -> str | None:
        try:
            text = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            return None
        if m := _OLD_PLACEHOLDER.search(text):
            what, arg = m.groups()
            new = f"{{{{ {arg}() }}}}" if what == "generated" else f'{{{{ include("{arg}") }}}}'
            raise ValueError(f"{SRC_NAME}/{name}: old placeholder {m.group(0)!r}; write {new}")
        return text.strip()

    def fragment(self, name: str, top: int) -> str | None:
        """Template ``name`` with its top heading at level ``top``, rendered (None if absent)."""
        text = self.source(name)
        if text is None:
            return None
        # headings are shifted before rendering, so generated tables are left as they are
        try:
            return self.env.from_string(shift_headings(text, top)).render().strip()
        except jinja2.UndefinedError as exc:
            m = _UNDEFINED.search(str(exc))
            what = m.group(1) if m else str(exc)
            known = ", ".join([*GENERATORS, "process_overview", "include"])
            raise KeyError(
                f"{SRC_NAME}/{name}: unknown generated table {what!r}; known: {known}"
            ) from None

    def include(self, name: str, level: int = INCLUDE_LEVEL) -> str:
        body = self.fragment(name, level)
        return f"_(`{SRC_NAME}/{name}` is not written yet.)_" if body is None else body

    def included(self) -> set[str]:
        names = set()
        for name in (*CORE_FRAGMENTS, SUBMODELS_CORE):
            names.update(_INCLUDE_CALL.findall(self.source(name) or ""))
        return names


def render(src: Path | None = None) -> str:
    """The full ODD document as Markdown (deterministic: no dates, sorted extras).

    ``src`` is a folder of templates to render instead of the package's own."""
    r = _Renderer(None if src is None else Path(src))
    parts = [
        "# coprod-sim: ODD description",
        f"<!-- Generated by `python -m coprod_sim.commands.odd` from {SRC_NAME}/*.md and the code. "
        "Do not edit by hand: edit the templates or the code, then regenerate. -->",
        "This document follows the ODD protocol (Overview, Design concepts, Details; Grimm et "
        "al. 2020, *JASSS* 23(2) 7). Tables marked *generated* are built from the code "
        "(`coprod_sim.commands.odd`), so they always match it.",
    ]
    for name in CORE_FRAGMENTS:
        body = r.fragment(name, 2)
        parts.append(f"_(`{SRC_NAME}/{name}` is missing.)_" if body is None else body)

    parts.append("## 7 Submodels")
    core = r.fragment(SUBMODELS_CORE, 3)
    if core is not None:
        parts.append(core)
    placed = {*CORE_FRAGMENTS, SUBMODELS_CORE, *INCLUDED_ELSEWHERE, *r.included()}
    extras = [n for n in r.names() if n not in placed]
    ordered = [n for n in KNOWN_SUBMODELS if n in extras]
    ordered += [n for n in extras if n not in KNOWN_SUBMODELS]
    for name in ordered:
        parts.append(r.fragment(name, 3) or "")
    parts.append("### Policy levers: table (generated)\n\n" + lever_table())
    parts.append(
        "## Appendix: Scenario parameters (generated)\n\n"
        "From the parameter groups `coprod_sim.scenario.Scenario` joins "
        "(`scenario.DECLARED_IN`), via `parameters.parameter_rows()`.\n\n" + parameter_table()
    )
    text = "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def write(out: Path | None = None, check: bool = False) -> int:
    """Write (or with ``check`` compare) the document; 1 if stale, 2 if there is nowhere to
    write it."""
    out = out if out is not None else OUT_PATH
    if out is None:
        typer.echo(
            "coprod_sim is installed, not run from a source checkout, so there is no "
            "docs/ODD.md to write: give --out PATH",
            err=True,
        )
        return 2
    text = render()
    if check:
        current = out.read_text(encoding="utf-8") if out.is_file() else ""
        if current != text:
            typer.echo(f"{out} is stale: run `python -m coprod_sim.commands.odd`", err=True)
            return 1
        typer.echo(f"{out} is up to date")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")
    return 0


def odd(
    check: Annotated[bool, typer.Option("--check", help="exit 1 if the file is stale")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="output file (default: docs/ODD.md of the checkout the package runs from)"
        ),
    ] = None,
) -> None:
    """Write docs/ODD.md (or --out PATH) from the ODD templates and the code."""
    code = write(out, check)
    if code:
        raise typer.Exit(code)


def main(argv: list[str] | None = None) -> int:
    """``python -m coprod_sim.commands.odd``: the ``coprod-sim odd`` command on its own; the
    exit code."""
    app = typer.Typer(add_completion=False)
    app.command()(odd)
    command = typer.main.get_command(app)
    try:
        command.main(argv, prog_name="python -m coprod_sim.commands.odd")
    except SystemExit as exc:  # typer ends every run with the exit code (2: a bad option)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
