"""The survey figures the model is checked and calibrated against (``survey_targets.csv``).

A copy of the modeller's table of figures from the source reports travels with the package, so
an installed wheel can calibrate and compare. Each row has a ``kind``: ``calibrate`` rows
(formal volunteering frequencies) are fitted; ``willingness`` rows (stated willingness per
activity) are upper bounds on behaviour; ``policy_effect`` rows are out-of-sample checks of
levers; the rest are context. The model reads the values from here (``willingness.ACTIVITIES``,
``outcomes.SURVEY_PARTICIPATION``), so a figure is written once.
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from coprod_sim.data import DataFileError

SURVEY_FILE = "survey_targets.csv"
Kind = Literal[
    "calibrate",
    "willingness",
    "attitude",
    "policy_effect",
    "motive",
    "scale",
    "policy_parameter",
]


class SurveyTarget(BaseModel):
    """One row of survey_targets.csv: a figure, what it measures, on whom, and its source."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    target_id: str
    quantity: str
    value: float
    unit: str
    population: str
    kind: Kind
    source: str
    note: str


def load_survey_targets(text: str | None = None) -> dict[str, SurveyTarget]:
    """Rows by ``target_id``; a malformed row is a ``DataFileError`` naming the row and field."""
    if text is None:
        text = files("coprod_sim.data").joinpath(SURVEY_FILE).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    out: dict[str, SurveyTarget] = {}
    for i, row in enumerate(rows, start=2):
        try:
            target = SurveyTarget.model_validate(row)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err.get("loc", ()))
            raise DataFileError(
                f"{SURVEY_FILE}: line {i} ({row.get('target_id')!r}): field {field!r} = "
                f"{err.get('input')!r}: {err.get('msg')}"
            ) from None
        if target.target_id in out:
            raise DataFileError(f"{SURVEY_FILE}: target_id {target.target_id!r} appears twice")
        out[target.target_id] = target
    return out


SURVEY_TARGETS: dict[str, SurveyTarget] = load_survey_targets()


def survey_value(target_id: str) -> float:
    """The figure of one row (a KeyError names the missing id)."""
    return SURVEY_TARGETS[target_id].value
