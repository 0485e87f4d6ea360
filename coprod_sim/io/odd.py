"""Render docs/ODD.md: hand-written fragments in ODD order plus tables generated from the code.

The ODD protocol (Grimm et al. 2020, JASSS 23(2) 7) orders a model description as
1 Purpose and patterns, 2 Entities, state variables and scales, 3 Process overview and
scheduling, 4 Design concepts, 5 Initialisation, 6 Input data, 7 Submodels. The prose lives in
``docs/odd_src/*.md``; everything that the code already declares (the Scenario parameters, the
kinds of need, the levers, the order of the week) is generated here, so the document cannot
drift from the code. Fragments may hold placeholders ``<!-- generated: NAME -->`` (a table from
``GENERATORS``) and ``<!-- include: FILE -->`` (another fragment). Any fragment in
``docs/odd_src`` that this module does not place explicitly is added under 7 Submodels, sorted
by name, so new mechanisms appear without editing this file.

``python -m coprod_sim.io.odd`` writes docs/ODD.md; ``--check`` exits 1 when it is stale.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

ROOT = Path(__file__).resolve().parents[2]
SRC_DIR = ROOT / "docs" / "odd_src"
OUT_PATH = ROOT / "docs" / "ODD.md"

#: core fragments, each holding whole ODD elements with their own ``##`` headings
CORE_FRAGMENTS: tuple[str, ...] = (
    "overview.md",  # 1 Purpose and patterns, 2 Entities..., 3 Process overview
    "design_concepts.md",  # 4 Design concepts (includes outputs.md under Observation)
    "initialisation.md",  # 5 Initialisation
    "input_data.md",  # 6 Input data
)
#: the core's submodels come first under 7 Submodels
SUBMODELS_CORE = "submodels_core.md"
#: fragments written for other mechanisms, in the order they are placed under 7 Submodels
KNOWN_SUBMODELS: tuple[str, ...] = (
    "gatekeeping.md",
    "referral_timebank.md",
    "red_tape.md",
    "collective_action.md",
    "levers.md",
    "levers_community.md",
)
#: fragments included by a placeholder elsewhere (not repeated under Submodels)
INCLUDED_ELSEWHERE: tuple[str, ...] = ("outputs.md",)

_PLACEHOLDER = re.compile(r"<!--\s*(generated|include):\s*([\w.\-]+)\s*-->")
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
    """A GitHub-flavoured Markdown table."""
    head = [_cell(h) for h in header]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


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


def field_range(field: FieldInfo) -> str:
    """The allowed range of a pydantic field from its ge/gt/le/lt constraints."""
    lo = hi = None
    lo_open = hi_open = False
    for m in field.metadata:
        if getattr(m, "ge", None) is not None:
            lo, lo_open = m.ge, False
        if getattr(m, "gt", None) is not None:
            lo, lo_open = m.gt, True
        if getattr(m, "le", None) is not None:
            hi, hi_open = m.le, False
        if getattr(m, "lt", None) is not None:
            hi, hi_open = m.lt, True
    if lo is None and hi is None:
        return "-"
    if hi is None:
        return f"{'>' if lo_open else '>='} {_cell(lo)}"
    if lo is None:
        return f"{'<' if hi_open else '<='} {_cell(hi)}"
    return f"{'(' if lo_open else '['}{_cell(lo)}, {_cell(hi)}{')' if hi_open else ']'}"


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return dict(extra) if isinstance(extra, Mapping) else {}


def _default(field: FieldInfo) -> Any:
    return "(required)" if field.is_required() else field.default


def _first_line(text: str | None) -> str:
    return inspect.cleandoc(text or "").split("\n\n")[0].replace("\n", " ").strip()


# ---------------------------------------------------------------------------- parameters
_SECTION = re.compile(r"^\s*#\s*-{2,}\s*(.+?)\s*-*\s*$")
_FIELD = re.compile(r"^\s{4}(\w+)\s*:[^=]+=\s*param\(")


def parameter_sections(model_cls: type[BaseModel]) -> dict[str, str]:
    """Field name -> section title, from the ``# ---- title ----`` comments in the class body."""
    try:
        source = inspect.getsource(model_cls)
    except (OSError, TypeError):
        return {}
    section, out = "", {}
    for line in source.splitlines():
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        m = _FIELD.match(line)
        if m:
            out[m.group(1)] = section
    return out


def parameter_table() -> str:
    """The Scenario parameters, grouped by the sections of ``parameters.Scenario``."""
    from coprod_sim.parameters import Scenario, parameter_rows

    rows = parameter_rows()
    sections = parameter_sections(Scenario)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        title = row.get("section") or sections.get(row["name"]) or f"role: {row.get('role')}"
        groups.setdefault(title, []).append(row)
    parts = [
        f"{len(rows)} parameters, each a keyword argument of `CoproductionModel` and a key of a "
        "scenario file. Role: `world` = an uncertainty about the town and its people, `policy` = "
        "a lever a council can pull, `run` = set-up of the experiment. Range: `[a, b]` inclusive, "
        "`(a, b]` excludes a."
    ]
    header = ("parameter", "role", "unit", "default", "range", "source", "meaning")
    for title, group in groups.items():
        body = []
        for r in group:
            field = Scenario.model_fields.get(r["name"])
            if "range" in r:
                rng = r["range"]
            elif field is not None:
                rng = field_range(field)
            else:
                rng = f"[{_cell(r.get('low'))}, {_cell(r.get('high'))}]"
            body.append(
                (
                    f"`{r['name']}`",
                    r.get("role"),
                    r.get("unit"),
                    r.get("default"),
                    rng,
                    r.get("source"),
                    r.get("meaning", r.get("doc")),
                )
            )
        parts.append(f"**{title[:1].upper() + title[1:]}**\n\n" + table(header, body))
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------- needs
def need_kinds_table() -> str:
    """The NeedKind fields with units and ranges, then every default kind with every field."""
    from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS, NeedKind

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
    kinds = table(
        list(fields),
        ([getattr(k, name) for name in fields] for k in DEFAULT_NEED_KINDS),
    )
    return (
        "Fields of a kind of need (`needs.NeedKind`):\n\n"
        + spec
        + f"\n\nThe {len(DEFAULT_NEED_KINDS)} default kinds (`needs.DEFAULT_NEED_KINDS`; "
        "`rate` is per 1000 residents of each age group (young, working, retired) a week):\n\n"
        + kinds
    )


# ---------------------------------------------------------------------------- levers
def _lever_rows_fallback(levers: Mapping[str, type]) -> tuple[str, str]:
    summary, params = [], []
    for name, cls in sorted(levers.items()):
        cost = cls.__dict__.get("weekly_cost")
        what = _first_line(cls.__doc__) or _first_line(sys.modules[cls.__module__].__doc__)
        if cost is None:
            cost_text = "none"
        else:
            cost_text = _first_line(cost.__doc__) or f"`{cls.__name__}.weekly_cost`"
        summary.append(
            (
                f"`{name}`",
                getattr(cls, "point", "-"),
                getattr(cls, "source", "") or "-",
                what,
                cost_text,
            )
        )
        for pname, f in getattr(cls, "model_fields", {}).items():
            extra = _extra(f)
            params.append(
                (
                    f"`{name}`",
                    f"`{pname}`",
                    extra.get("unit", "-"),
                    _default(f),
                    field_range(f),
                    extra.get("source", "-"),
                    f.description,
                )
            )
    return (
        table(("lever", "point", "source", "what it does", "cost"), summary),
        table(("lever", "parameter", "unit", "default", "range", "source", "meaning"), params),
    )


def lever_table() -> str:
    """Every registered lever with its point of the week, source and parameters."""
    from coprod_sim.levers import LEVERS

    intro = (
        f"{len(LEVERS)} levers are registered in `coprod_sim.levers.LEVERS`: "
        + (", ".join(f"`{n}`" for n in sorted(LEVERS)) or "none")
        + ". Each is switched on with `policies={name: {parameter: value}}` (or `--policy`), "
        "and starts at its `start_week`."
    )
    try:
        module = importlib.import_module("coprod_sim.levers._table")
    except ModuleNotFoundError as exc:
        if exc.name != "coprod_sim.levers._table":
            raise
        module = None
    if module is not None and hasattr(module, "lever_rows"):
        return intro + "\n\n" + _records_table(module.lever_rows())
    if not LEVERS:
        return intro
    summary, params = _lever_rows_fallback(LEVERS)
    return intro + "\n\n" + summary + "\n\nLever parameters:\n\n" + params


# ---------------------------------------------------------------------------- the week
def week_order() -> str:
    """The order of the week, copied from ``CoproductionModel.step.__doc__``."""
    from coprod_sim.model import HOOK_POINTS, CoproductionModel

    doc = inspect.cleandoc(CoproductionModel.step.__doc__ or "")
    return (
        "From `CoproductionModel.step` (its docstring is the schedule):\n\n"
        + doc
        + "\n\nLever points of the week: "
        + ", ".join(f"`{h}`" for h in HOOK_POINTS)
        + "."
    )


def channel_order() -> str:
    from coprod_sim.mechanisms.channels import CORE_CHANNELS
    from coprod_sim.mechanisms.needs import CHANNELS

    return (
        "Channels a need can be met by (`needs.CHANNELS`): "
        + ", ".join(f"`{c}`" for c in CHANNELS)
        + ". Core channels tried each week, in order: "
        + ", ".join(f"`{c.name}`" for c in CORE_CHANNELS)
        + " (levers insert theirs before `professional`)."
    )


# ---------------------------------------------------------------------------- code tables
def willingness_table() -> str:
    from coprod_sim.mechanisms.willingness import ACTIVITIES

    return (
        table(
            ("activity", "survey target", "stated-willingness share"),
            ((f"`{a}`", tid, share) for a, (tid, share) in ACTIVITIES.items()),
        )
        + "\n\nLoading of the shared latent disposition: the parameter `disposition_loading`."
    )


def participation_targets_table() -> str:
    from coprod_sim.mechanisms.outcomes import SURVEY_PARTICIPATION

    return table(
        ("model class", "survey target", "value", "compared as"),
        ((f"`{c}`", tid, v, note) for c, (tid, v, note) in SURVEY_PARTICIPATION.items()),
    )


def towns_table() -> str:
    from coprod_sim.state.towns import TOWNS

    return table(
        (
            "town",
            "residents",
            "neighbourhoods",
            "deprivation Beta(a, b)",
            "diversity Beta(a, b)",
            "note",
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


#: unit and meaning of each state array; an array missing here shows as undocumented
ARRAY_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "Population": {
        "age": ("0 young, 1 working, 2 retired", "age group (18-29, 30-64, 65+)"),
        "nbhd": ("index", "neighbourhood of the resident"),
        "employed": ("bool", "in paid work (never when retired)"),
        "carer": ("bool", "has unpaid caring duties"),
        "free_hours": ("hours/week", "discretionary hours left after work and caring"),
        "willing": ("bitmask", "stated willingness per activity (bit a = `ACTIVITY_NAMES[a]`)"),
        "fear_commit_base": ("0-1", "baseline fear of commitment that fear relaxes back to"),
        "trust_svc_base": ("0-1", "baseline trust in services that it relaxes back to"),
        "trust_nbr": ("0-1", "trust in neighbours (the place)"),
        "trust_svc": ("0-1", "trust in public services"),
        "confidence": ("0-1", "confidence and skills"),
        "fear_commit": ("0-1", "fear of commitment (of being 'sucked in')"),
        "fear_liab": ("0-1", "fear of liability"),
        "fear_retal": ("0-1", "fear of retaliation (public safety)"),
        "aware": ("bool", "aware of local opportunities to help"),
        "last_asked_week": (
            "week",
            "last week asked personally by a service, professional, coordinator or connector "
            "(or helping); -10000 never",
        ),
        "months_year": ("months", "4-week months of the current year with any help given"),
        "asked_until": ("week", "a professional's personal ask holds until this week (levers)"),
        "tb_member": ("bool", "member of the time bank (time_bank lever)"),
        "trained": ("bool", "has done volunteer training (training lever)"),
        "committed": ("hours/week", "hours in ongoing commitments"),
        "fatigue": ("0-1", "fatigue; burnout at 1"),
        "recovering_until": ("week", "a burnt-out resident takes nothing new before this week"),
        "hours_given": ("hours", "hours given over the run"),
        "hours_year": ("hours", "hours given in the current year"),
        "weeks_year": ("weeks", "weeks with any help given in the current year"),
        "helped_ever": ("bool", "has helped (formally or informally) in the simulated history"),
        "last_help_week": ("week", "last week the resident gave help"),
        "weeks_year_formal": ("weeks", "weeks with formal help given in the current year"),
        "months_year_formal": ("months", "4-week months of the current year with formal help"),
        "last_formal_week": ("week", "last week the resident helped formally; -10000 never"),
        "formal_ever": ("bool", "has helped formally in the simulated history (with burn-in)"),
        "weeks_year_informal": ("weeks", "weeks with informal help given in the current year"),
        "months_year_informal": ("months", "4-week months of the current year with informal help"),
        "last_informal_week": ("week", "last week the resident helped informally; -10000 never"),
        "informal_ever": ("bool", "has helped informally in the simulated history"),
        "formal_years": (
            "bitmask",
            "bit 0: helped formally in the last completed year; bit 1: in the year before",
        ),
        "vet_status": (
            "0 none, 1 waiting, 2 vetted, 3 gave up",
            "vetting (DBS) check status",
        ),
        "vet_wait": ("weeks", "weeks waited for the current check"),
        "credits": ("hours", "time credits held"),
        "reward": ("0-1", "recognition a resident expects for helping (levers raise it)"),
        "insured": ("bool", "covered by a council's volunteer insurance"),
        "time_off": ("hours/week", "extra hours granted by an employer to volunteer"),
        "last_year_class": (
            "-1 none, 0-4",
            "participation class of the last completed year (index into `PARTICIPATION`)",
        ),
        "last_year_class_formal": (
            "-1 none, 0-4",
            "the same class counting formal help only (the survey's measure)",
        ),
        "last_year_class_informal": (
            "-1 none, 0-4",
            "the same class counting informal help only",
        ),
    },
    "Staff": {
        "service": ("index", "service (index into `SERVICES`)"),
        "nbhd": ("index", "neighbourhood the professional works in"),
        "capacity": ("hours/week", "direct-contact hours a week"),
        "attitude": ("0-1", "attitude to co-production, 0 sceptical .. 1 enabling"),
    },
    "Neighbourhoods": {
        "start": ("resident index", "first resident of the neighbourhood's block"),
        "end": ("resident index", "one past the last resident of the block"),
        "deprivation": ("0-1", "deprivation"),
        "diversity": ("0-1", "ethnic and social diversity"),
        "trust_base": ("0-1", "baseline neighbour trust (set by diversity and deprivation)"),
    },
    "NeedTable": {
        "kind": ("index", "kind of need (index into the kinds)"),
        "owner": ("resident index", "resident in need; -1 for a service's volunteer role"),
        "nbhd": ("index", "neighbourhood where the need is"),
        "hours": ("hours/week", "hours a week it takes now (grows in ongoing commitments)"),
        "base_hours": ("hours/week", "hours a week when it started (or became a crisis)"),
        "waited": ("weeks", "weeks it has waited unmet"),
        "helper": ("resident index", "resident meeting it; -1: nobody or a professional"),
        "channel": ("index", "channel meeting it (index into `CHANNELS`); -1 open"),
        "crisis": ("bool", "has escalated into a crisis"),
        "crisis_left": ("weeks", "weeks of professional work left on a crisis"),
        "started": ("week", "week it arose"),
        "edge": ("tie index", "tie an informal helper was asked along (CSR position); -1 none"),
        "served": ("bool", "has been met at least once (a later match is a re-match)"),
    },
}


def _sample_model() -> Any:
    """A tiny town, built only to read the state arrays' dtypes."""
    from coprod_sim.model import CoproductionModel

    model = CoproductionModel(rng=0, n_residents=40, n_neighbourhoods=2)
    model.run_weeks(1)
    return model


def state_arrays_table() -> str:
    """Every state array of residents, staff, neighbourhoods and needs: dtype, unit, meaning."""
    import dataclasses

    model = _sample_model()
    holders = {
        "Population": ("model.pop", model.pop),
        "Staff": ("model.staff", model.staff),
        "Neighbourhoods": ("model.nb", model.nb),
        "NeedTable": ("model.needs", model.needs),
    }
    parts = []
    for cls_name, (where, obj) in holders.items():
        docs = ARRAY_DOCS.get(cls_name, {})
        rows = []
        for f in dataclasses.fields(obj):
            unit, meaning = docs.get(f.name, ("?", "(undocumented: add it to odd.ARRAY_DOCS)"))
            dtype = getattr(getattr(obj, f.name), "dtype", type(getattr(obj, f.name)).__name__)
            rows.append((f"`{f.name}`", str(dtype), unit, meaning))
        parts.append(
            f"`{where}` (`{type(obj).__module__}.{cls_name}`), one entry per "
            + {
                "Population": "resident",
                "Staff": "professional",
                "Neighbourhoods": "neighbourhood",
                "NeedTable": "live need",
            }[cls_name]
            + ":\n\n"
            + table(("array", "dtype", "unit", "meaning"), rows)
        )
    return "\n\n".join(parts)


def modes_table() -> str:
    from coprod_sim.mechanisms.services import MODES, mode_thresholds
    from coprod_sim.scenario import Scenario

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
    from coprod_sim.io.reporters import WEEKLY_SERIES

    return ", ".join(f"`{s}`" for s in WEEKLY_SERIES)


GENERATORS: dict[str, Callable[[], str]] = {
    "parameters": parameter_table,
    "need_kinds": need_kinds_table,
    "levers": lever_table,
    "week_order": week_order,
    "channel_order": channel_order,
    "willingness": willingness_table,
    "participation_targets": participation_targets_table,
    "towns": towns_table,
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


def _read(src: Path, name: str) -> str | None:
    path = src / name
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def _expand(text: str, src: Path, level: int) -> str:
    """Replace placeholders by generated tables and included fragments."""

    def sub(m: re.Match[str]) -> str:
        what, name = m.group(1), m.group(2)
        if what == "generated":
            if name not in GENERATORS:
                raise KeyError(f"unknown generated table {name!r}; known: {', '.join(GENERATORS)}")
            return GENERATORS[name]()
        body = _read(src, name)
        if body is None:
            return f"_(`docs/odd_src/{name}` is not written yet.)_"
        return shift_headings(_expand(body, src, level), level)

    return _PLACEHOLDER.sub(sub, text)


def _included(src: Path) -> set[str]:
    names = set()
    for name in (*CORE_FRAGMENTS, SUBMODELS_CORE):
        body = _read(src, name) or ""
        names.update(n for w, n in _PLACEHOLDER.findall(body) if w == "include")
    return names


def render(src: Path | None = None) -> str:
    """The full ODD document as Markdown (deterministic: no dates, sorted extras)."""
    src = SRC_DIR if src is None else Path(src)
    parts = [
        "# coprod-sim: ODD description",
        "<!-- Generated by `python -m coprod_sim.io.odd` from docs/odd_src/*.md and the code. "
        "Do not edit by hand: edit the fragments or the code, then regenerate. -->",
        "This document follows the ODD protocol (Overview, Design concepts, Details; Grimm et "
        "al. 2020, *JASSS* 23(2) 7). Tables marked *generated* are built from the code "
        "(`coprod_sim.io.odd`), so they always match it.",
    ]
    for name in CORE_FRAGMENTS:
        body = _read(src, name)
        if body is None:
            parts.append(f"_(`docs/odd_src/{name}` is missing.)_")
            continue
        parts.append(_expand(shift_headings(body, 2), src, 4))

    parts.append("## 7 Submodels")
    core = _read(src, SUBMODELS_CORE)
    if core is not None:
        parts.append(_expand(shift_headings(core, 3), src, 4))
    placed = {*CORE_FRAGMENTS, SUBMODELS_CORE, *INCLUDED_ELSEWHERE, *_included(src)}
    extras = sorted(p.name for p in src.glob("*.md") if p.name not in placed)
    ordered = [n for n in KNOWN_SUBMODELS if n in extras]
    ordered += [n for n in extras if n not in KNOWN_SUBMODELS]
    for name in ordered:
        parts.append(_expand(shift_headings(_read(src, name) or "", 3), src, 4))
    parts.append("### Policy levers: table (generated)\n\n" + lever_table())
    parts.append(
        "## Appendix: Scenario parameters (generated)\n\n"
        "From `coprod_sim.parameters.Scenario` via `parameter_rows()`.\n\n" + parameter_table()
    )
    text = "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coprod_sim.io.odd", description="Write docs/ODD.md from fragments and code."
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is stale")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="output file")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run `python -m coprod_sim.io.odd`", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
