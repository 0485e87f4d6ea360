"""The packaged survey figures: read once, validated, and the values the model uses."""

from __future__ import annotations

import pytest

from coprod_sim.data import DataFileError
from coprod_sim.data.survey import SURVEY_TARGETS, load_survey_targets
from coprod_sim.mechanisms.outcomes import SURVEY_PARTICIPATION
from coprod_sim.state.willingness import ACTIVITIES

HEADER = "target_id,quantity,value,unit,population,kind,source,note\n"


def test_the_model_reads_its_survey_figures_from_the_table() -> None:
    for tid, share in ACTIVITIES.values():
        assert SURVEY_TARGETS[tid].kind == "willingness"
        assert share == SURVEY_TARGETS[tid].value
    for tid, value, _ in SURVEY_PARTICIPATION.values():
        assert SURVEY_TARGETS[tid].kind == "calibrate"
        assert value == SURVEY_TARGETS[tid].value
    calibrate = {t for t, row in SURVEY_TARGETS.items() if row.kind == "calibrate"}
    # the survey's participation rows, and the outcome side (older people's unmet care)
    assert calibrate == {tid for tid, _, _ in SURVEY_PARTICIPATION.values()} | {"older_unmet_care"}


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("x,q,abc,share,UK,calibrate,s,", "'value' = 'abc'"),
        ("x,q,0.1,share,UK,guess,s,", "'kind' = 'guess'"),
        ("x,q,nan,share,UK,calibrate,s,", "'value' = 'nan'"),
    ],
)
def test_a_malformed_row_is_named(row: str, needle: str) -> None:
    with pytest.raises(DataFileError, match="line 2") as info:
        load_survey_targets(HEADER + row + "\n")
    assert needle in str(info.value)


def test_a_repeated_id_is_refused() -> None:
    row = "x,q,0.1,share,UK,calibrate,s,\n"
    with pytest.raises(DataFileError, match="appears twice"):
        load_survey_targets(HEADER + row + row)
