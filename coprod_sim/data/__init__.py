"""The package's data files: kinds of need, town presets and unit costs, as TOML.

Figures a modeller may want to check or change (and a sensitivity analysis may want to vary)
live in ``coprod_sim/data/*.toml``, one entry per kind, town or cost, each with its source or
stated assumption and the units of its fields, rather than in Python literals. They are read
with ``importlib.resources``, so an installed wheel finds them as a checkout does, and every
entry is validated with pydantic against the schema its module declares (ranges and units
there). A bad entry is a ``DataFileError`` that names the file, the entry, the field, the
value and what is allowed, never a bare traceback from deep inside the model.

The Python names stay as they were: ``needs.DEFAULT_NEED_KINDS``, ``towns.TOWNS`` and
``costs.UNIT_COSTS`` are built from these files when their modules are imported.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from coprod_sim.parameters import field_range

#: the files, by what they hold
NEED_KINDS_FILE = "need_kinds.toml"
TOWNS_FILE = "towns.toml"
UNIT_COSTS_FILE = "unit_costs.toml"


class DataFileError(ValueError):
    """A data file that cannot be read or whose entry breaks its schema."""


class Entry(BaseModel):
    """Base of an entry schema: unknown fields, wrong types, NaN and infinity are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def field_unit(field: FieldInfo) -> str:
    """The unit declared on a schema field (``json_schema_extra={"unit": ...}``; "-": none)."""
    extra = field.json_schema_extra
    return str(extra.get("unit", "-")) if isinstance(extra, Mapping) else "-"


def read(name: str, root: Traversable | Path | None = None) -> dict[str, Any]:
    """The parsed TOML of data file ``name``: from the package (installed or a checkout), or
    from folder ``root`` (a modeller's edited copy, or a test's broken one)."""
    resource = (files(__name__) if root is None else Path(root)).joinpath(name)
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        where = "the coprod_sim package" if root is None else str(root)
        raise DataFileError(f"{name}: data file not found in {where}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{name}: not valid TOML: {exc}") from None


def _describe(schema: type[BaseModel], field: str) -> str:
    info = schema.model_fields.get(field)
    if info is None:
        return f"known fields: {', '.join(schema.model_fields)}"
    parts = []
    rng = field_range(info)
    if rng != "-":
        parts.append(f"allowed {rng}")
    if field_unit(info) != "-":
        parts.append(f"unit {field_unit(info)}")
    if info.description:
        parts.append(info.description)
    return "; ".join(parts) or "see the schema"


def load_entries(
    file: str,
    key: str,
    schema: type[BaseModel],
    *,
    units_table: bool,
    choices: Mapping[str, Collection[str]] | None = None,
    optional: Collection[str] = (),
    root: Traversable | Path | None = None,
) -> list[BaseModel]:
    """Every ``[[key]]`` entry of ``file``, validated by ``schema``, in file order.

    Each entry must state every field of the schema except those in ``optional`` (a data file
    hides no default). ``choices`` restricts string fields to named values. With
    ``units_table`` the file's ``[units]`` table must give, for every field but ``name`` and
    ``source``, the unit the schema declares, so the file's units cannot drift from the code.
    """
    data = read(file, root)
    allowed_top = {key, "units"} if units_table else {key}
    unknown = sorted(set(data) - allowed_top)
    if unknown:
        raise DataFileError(
            f"{file}: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(sorted(allowed_top))}"
        )
    if units_table:
        _check_units(file, data.get("units"), schema)
    rows = data.get(key)
    if not isinstance(rows, list) or not rows:
        raise DataFileError(f"{file}: no [[{key}]] entries")
    out: list[BaseModel] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise DataFileError(f"{file}: {key} number {i + 1} is {row!r}, not a [[{key}]] table")
        name = row.get("name")
        label = f"{key} {name!r}" if isinstance(name, str) else f"{key} number {i + 1}"
        if isinstance(name, str) and name in seen:
            raise DataFileError(f"{file}: {label} appears twice; names must be unique")
        seen.add(str(name))
        missing = [f for f in schema.model_fields if f not in row and f not in optional]
        if missing:
            f = missing[0]
            raise DataFileError(
                f"{file}: {label}: field {f!r} is missing (every field is stated in the file; "
                f"{_describe(schema, f)})"
            )
        for field, allowed in (choices or {}).items():
            if field in row and row[field] not in allowed:
                raise DataFileError(
                    f"{file}: {label}: field {field!r} = {row[field]!r} is not allowed; "
                    f"allowed: {', '.join(map(repr, allowed))}"
                )
        values = {
            k: tuple(v) if isinstance(v, list) and _is_tuple(schema, k) else v
            for k, v in row.items()
        }
        try:
            out.append(schema.model_validate(values))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = err.get("loc") or ()
            if not loc:  # a check across fields
                raise DataFileError(f"{file}: {label}: {err.get('msg')}") from None
            field = str(loc[0])
            where = "".join(f"[{p}]" for p in loc[1:])
            if err.get("type") == "extra_forbidden":
                raise DataFileError(
                    f"{file}: {label}: unknown field {field!r}; {_describe(schema, '')}"
                ) from None
            raise DataFileError(
                f"{file}: {label}: field {field!r}{where} = {err.get('input')!r}: "
                f"{err.get('msg')} ({_describe(schema, field)})"
            ) from None
    return out


def _is_tuple(schema: type[BaseModel], field: str) -> bool:
    info = schema.model_fields.get(field)
    return info is not None and get_origin(info.annotation) is tuple


def _check_units(file: str, units: Any, schema: type[BaseModel]) -> None:
    if not isinstance(units, dict):
        raise DataFileError(f"{file}: the [units] table is missing")
    want = {n: field_unit(f) for n, f in schema.model_fields.items() if n not in ("name", "source")}
    for name in sorted(set(units) - set(want)):
        raise DataFileError(f"{file}: [units] names {name!r}, which is not a field")
    for name, unit in want.items():
        if name not in units:
            raise DataFileError(f"{file}: [units] has no unit for field {name!r} ({unit!r})")
        if units[name] != unit:
            raise DataFileError(
                f"{file}: [units] {name} = {units[name]!r}, but the code declares {unit!r}: "
                "change one so they agree"
            )


def sources(file: str, key: str, root: Traversable | Path | None = None) -> dict[str, str]:
    """Entry name -> its ``source`` text, in file order (for the ODD's tables)."""
    return {row["name"]: row.get("source", "-") for row in read(file, root).get(key, [])}


def load_need_kinds(
    kind_cls: type[BaseModel],
    *,
    services: Collection[str],
    activities: Collection[str],
    owners: Collection[str],
    root: Traversable | Path | None = None,
) -> tuple[Any, ...]:
    """The kinds of need of ``need_kinds.toml`` as ``kind_cls`` objects (``needs.NeedKind``,
    passed in so this module does not import the mechanism it feeds)."""
    schema = create_model(
        f"{kind_cls.__name__}Entry",
        __base__=kind_cls,
        source=(str, Field(min_length=1, description="where the kind and its figures come from")),
    )
    entries = load_entries(
        NEED_KINDS_FILE,
        "kind",
        schema,
        units_table=True,
        choices={"service": services, "activity": activities, "owner": owners},
        optional=[n for n, f in kind_cls.model_fields.items() if f.default is None],
        root=root,
    )
    fields = list(kind_cls.model_fields)
    return tuple(kind_cls(**{f: getattr(e, f) for f in fields}) for e in entries)
