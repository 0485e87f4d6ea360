"""The output folder: atomic files, complete-or-nothing folders, paths kept inside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coprod_sim.io.run_folder import RunFolder, atomic_write, check_out, read_record
from coprod_sim.parameters import ScenarioError


def test_a_crash_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "summary.csv"
    target.write_text("old, complete")

    def crash(p: Path) -> None:
        p.write_text("half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, crash)
    assert target.read_text() == "old, complete"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]
    atomic_write(target, lambda p: p.write_text("new"))
    assert target.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_files_appear_under_the_chosen_name_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "run"
    folder = RunFolder(out).open()
    atomic_write(folder.path("weekly.parquet"), lambda p: p.write_text("x"))
    folder.record({"status": "running"})
    assert not out.exists()  # a reader of results/run sees nothing yet
    (work,) = tmp_path.iterdir()
    assert work.name.startswith(".run.running-")
    folder.record({"status": "complete"})
    assert folder.complete() == out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert read_record(out) == {"status": "complete"}


def test_a_failed_run_is_kept_beside_the_chosen_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with RunFolder(out) as folder:
        folder.record({"status": "failed"})
    (kept,) = tmp_path.iterdir()
    assert kept.name.startswith("run.failed-") and not out.exists()
    assert json.loads((kept / "scenario.json").read_text())["status"] == "failed"


def test_overwrite_replaces_an_earlier_run_whole_only_at_the_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "scenario.json").write_text('{"status": "complete", "seed": 1}')
    (out / "comparison.csv").write_text("old")
    with pytest.raises(ScenarioError, match="holds another run"):
        RunFolder(out)
    folder = RunFolder(out, overwrite=True).open()
    folder.record({"status": "complete", "seed": 2})
    assert (out / "comparison.csv").exists()  # still the old run while the new one runs
    folder.complete()
    assert sorted(p.name for p in out.iterdir()) == ["scenario.json"]
    assert read_record(out)["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("name", ["../escape.csv", "/etc/passwd", "baseline/../../x", ".."])
def test_output_paths_stay_inside_the_folder(tmp_path: Path, name: str) -> None:
    folder = RunFolder(tmp_path / "run").open()
    with pytest.raises(ValueError, match="outside"):
        folder.path(name)
    assert folder.path("baseline/weekly.parquet").parent.name == "baseline"


def test_check_out_creates_nothing(tmp_path: Path) -> None:
    check_out(tmp_path / "a" / "b" / "c", overwrite=False)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ScenarioError, match="value '' is not allowed"):
        check_out("", overwrite=False)  # type: ignore[arg-type]  (Path("") would be ".")
    with pytest.raises(ScenarioError, match="current folder"):
        check_out(Path(""), overwrite=False)


def test_an_earlier_run_is_put_back_if_the_new_one_cannot_take_its_place(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "scenario.json").write_text('{"status": "complete", "seed": 1}')
    folder = RunFolder(out, overwrite=True).open()
    folder.work.rmdir()  # the new run's folder vanished (a disk error, someone's clean-up)
    with pytest.raises(OSError):
        folder.complete()
    assert read_record(out) == {"status": "complete", "seed": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
