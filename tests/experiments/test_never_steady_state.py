"""experiments/never_steady_state.py prints the table of formal participation classes after
several years of history, with and without population turnover (issue 24)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "never_steady_state.py"


def _script():
    spec = importlib.util.spec_from_file_location("never_steady_state", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["never_steady_state"] = module
    spec.loader.exec_module(module)
    return module


def test_the_table_has_each_year_and_setting(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "never.csv"
    args = ["--n-residents", "300", "--seeds", "1", "--years", "1", "2", "--out", str(out)]
    assert _script().main(args) == 0
    text = capsys.readouterr().out
    assert "demo, turnover on" in text and "demo, turnover off" in text
    assert '"never" 2 minus 1 years' in text
    rows = pd.read_csv(out)
    assert len(rows) == 4 and set(rows["years"]) == {1, 2}
    on = rows[rows["turnover"]]
    assert (on["newcomers_share"] > 0).all() and (rows[~rows["turnover"]]["founders"] == 1).all()


def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture) -> None:
    script = _script()
    assert script.main(["--seeds", "0"]) == 2
    assert script.main(["--town", "nowhere", "--seeds", "1", "--years", "1"]) == 2
    err = capsys.readouterr().err
    assert "town" in err and "Traceback" not in err
