"""Sweeps with ``posterior``: replication r of every arm shares one draw from the posterior,
the same on any number of workers and after a resume; the design's own values win; the
manifest, the stored draws and the report say what uncertainty the results carry."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _posteriors import spread_posterior
from _sweep_helpers import comparable, tiny_design
from typer.testing import CliRunner

from coprod_sim.calibration import Posterior, load_posterior, posterior_rng
from coprod_sim.commands.cli import app
from coprod_sim.sweeps import Design, DesignError, replication_seed, run_sweep, write_report
from coprod_sim.sweeps.engine import Sweep
from coprod_sim.sweeps.store import Store


def _posterior(shift: float = 0.0) -> Posterior:
    return spread_posterior(12, shift)


@pytest.fixture(scope="module")
def post_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _posterior().save(tmp_path_factory.mktemp("posterior") / "posterior_demo.json")


def tiny(**sweep: Any) -> dict[str, Any]:
    """The helpers' tiny design without a burn-in (worker processes do not see the test
    suite's no-burn-in default)."""
    d = tiny_design(**sweep)
    d["world"]["burn_in_years"] = 0
    return d


def design(post: Path | bool, **sweep: Any) -> Design:
    return Design.from_dict(tiny(posterior=post if isinstance(post, bool) else str(post), **sweep))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, post_file: Path) -> Path:
    """The tiny design with a posterior, run on two worker processes."""
    out = tmp_path_factory.mktemp("post") / "two"
    run_sweep(design(post_file), out, workers=2)
    return out


def test_arms_of_a_replication_share_its_draw(post_file: Path, tmp_path: Path) -> None:
    d = design(post_file)
    sweep = Sweep(d, tmp_path / "s")
    post = load_posterior(post_file)
    tasks = sweep.tasks({p["point"]: d.sweep.replications for p in sweep.points})
    for r in range(d.sweep.replications):
        expected = post.draw(posterior_rng(replication_seed(d.sweep.seed, r)), 1)[0]
        worlds = [t["world"] for t in tasks if t["replication"] == r]
        assert len(worlds) == len(sweep.points)  # every arm
        for w in worlds:
            assert {k: w[k] for k in expected} == expected
    draws = [tuple(sweep.draws[r].values()) for r in range(d.sweep.replications)]
    assert len(set(draws)) > 1  # replications draw different sets


@pytest.mark.slow
def test_one_and_two_workers_give_the_same_results(reference: Path, tmp_path: Path) -> None:
    run_sweep(design(_post_of(reference)), tmp_path / "one", workers=1)
    pd.testing.assert_frame_equal(comparable(tmp_path / "one"), comparable(reference))


def _post_of(out: Path) -> Path:
    return Path(Store(out).read_manifest()["posterior"]["file"])


def test_the_manifest_and_the_stored_draws_record_the_posterior(
    reference: Path, post_file: Path
) -> None:
    man = Store(reference).read_manifest()
    post = load_posterior(post_file)
    assert man["posterior"]["file"] == str(post_file.resolve())
    assert man["posterior"]["checksum"] == post.checksum
    draws = Store(reference).draws()
    d = design(post_file)
    for r in range(d.sweep.replications):
        seed = replication_seed(d.sweep.seed, r)
        got = draws[draws["replication"] == r].set_index("parameter")["value"].to_dict()
        assert got == pytest.approx(post.draw(posterior_rng(seed), 1)[0])
        assert (draws.loc[draws["replication"] == r, "seed"] == seed).all()


def test_draws_change_the_results(reference: Path, tmp_path: Path) -> None:
    run_sweep(Design.from_dict(tiny()), tmp_path / "plain", workers=0)
    plain, drawn = comparable(tmp_path / "plain"), comparable(reference)
    assert (plain["seed"] == drawn["seed"]).all()  # same seeds: the draws made the difference
    assert not plain["needs_met_total"].equals(drawn["needs_met_total"])


def test_a_factor_of_the_design_overrides_the_draw(post_file: Path, tmp_path: Path) -> None:
    d = tiny(posterior=str(post_file))
    d["world"]["help_intercept"] = 0.25
    sweep = Sweep(Design.from_dict(d), tmp_path / "f")
    for t in sweep.tasks({p["point"]: 3 for p in sweep.points}):
        assert t["world"]["help_intercept"] == 0.25
        assert t["world"]["vetted_share"] == sweep.draws[t["replication"]]["vetted_share"]
    over = sweep.store.read_manifest()["posterior"]["overridden_by_design"]
    assert over == {"baseline": ["help_intercept"], "time_bank": ["help_intercept"]}


def test_resume_after_lost_batches_equals_an_uninterrupted_run(
    reference: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    parts = Store(copy).parts()
    for p in parts[len(parts) // 2 :]:
        p.unlink()
    run_sweep(design(_post_of(reference)), copy, workers=0)
    pd.testing.assert_frame_equal(comparable(copy), comparable(reference))


def test_resuming_with_another_posterior_is_refused(tmp_path: Path) -> None:
    path = _posterior().save(tmp_path / "p.json")
    run_sweep(design(path, replications=1), tmp_path / "out", workers=0)
    _posterior(shift=0.1).save(path)  # the same design, its posterior file refitted
    with pytest.raises(DesignError, match="drew their world parameters from posterior") as err:
        run_sweep(design(path, replications=1), tmp_path / "out", workers=0)
    assert "a new --out folder" in str(err.value)


def test_the_report_says_which_uncertainty_it_carries(reference: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    text = write_report(copy).read_text()
    assert "seed noise and calibration uncertainty" in text
    assert f"posterior draws from {_post_of(reference)}" in text
    plain = Design.from_dict(tiny(replications=2, posterior=False))
    run_sweep(plain, tmp_path / "plain", workers=0)
    assert "Uncertainty carried: seed noise only" in write_report(tmp_path / "plain").read_text()


def test_a_design_naming_no_posterior_draws_from_its_towns_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 25: calibration uncertainty by default. The resolved choice is what the manifest
    records, so a report and a resumed sweep read the same design."""
    from coprod_sim.calibration import posterior as posterior_module

    d = Design.from_dict(tiny(replications=2))
    assert d.sweep.posterior is True and d.posterior().town == "demo"
    assert "drawn per replication from posterior" in d.describe()
    run_sweep(d, tmp_path / "auto", workers=0)
    assert "seed noise and calibration uncertainty" in write_report(tmp_path / "auto").read_text()
    run_sweep(Design.from_dict(tiny(replications=2)), tmp_path / "auto", workers=0)  # resumes
    assert d.without_posterior().posterior() is None

    monkeypatch.setattr(posterior_module, "fit_is_current", lambda fitted: False)
    stale = Design.from_dict(tiny(replications=2))
    assert stale.sweep.posterior is False and stale.posterior() is None
    assert "the seed only" in stale.describe() and "stale" in stale.describe()


def test_no_posterior_flag_runs_the_declared_world(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text(
        '[sweep]\nname = "p"\nseed = 1\nreplications = 1\nweeks = 2\n'
        '[world]\nn_residents = 300\nburn_in_years = 0\n[[arms]]\nname = "a"\n'
    )
    out = ["sweep", str(path), "--out", str(tmp_path / "o"), "--dry-run"]
    with_flag = CliRunner().invoke(app, [*out, "--no-posterior"])
    without = CliRunner().invoke(app, out)
    assert with_flag.exit_code == 0 and without.exit_code == 0, with_flag.output + without.output
    assert "drawn per replication" not in with_flag.output
    assert "drawn per replication" in without.output


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        (3, ["sweep.posterior", "3", "true (the town's shipped posterior)"]),
        ("", ["sweep.posterior", "path of a posterior file"]),
        ("missing.json", ["sweep.posterior", "missing.json", "does not exist"]),
    ],
)
def test_a_bad_posterior_value_is_refused(value: Any, needles: list[str]) -> None:
    with pytest.raises(DesignError) as err:
        Design.from_dict(tiny(posterior=value))
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))


def test_a_posterior_of_another_town_is_refused(post_file: Path) -> None:
    d = tiny(posterior=str(post_file))
    d["world"] = {"town": "reading", "scale": 0.001}
    with pytest.raises(DesignError, match="fitted to town 'demo'.*town 'reading'"):
        Design.from_dict(d)


def test_the_sweep_command_exits_2_on_a_bad_posterior(tmp_path: Path, post_file: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(post_file.read_text()[:200])
    f = tmp_path / "d.toml"
    f.write_text(
        '[sweep]\nname = "p"\nseed = 1\nreplications = 2\nweeks = 2\nposterior = "bad.json"\n'
        "[world]\nn_residents = 200\n[[arms]]\nname = 'baseline'\n"
    )
    r = CliRunner().invoke(app, ["sweep", str(f), "--out", str(tmp_path / "o"), "--dry-run"])
    assert r.exit_code == 2, r.output
    assert "sweep.posterior" in r.stderr and "cut short" in r.stderr
    assert "Traceback" not in r.output


def test_the_ema_export_has_each_runs_drawn_parameters(reference: Path, post_file: Path) -> None:
    from coprod_sim.sweeps.ema import to_ema

    x, _ = to_ema(reference)
    wide = comparable(reference)
    post, seed = load_posterior(post_file), design(post_file).sweep.seed
    for i, r in enumerate(wide["replication"]):
        row = x[(x["scenario"] == wide["seed"][i]) & (x["policy"] == wide["arm"][i])]
        draw = post.draw(posterior_rng(replication_seed(seed, r)), 1)[0]
        assert row["help_intercept"].item() == pytest.approx(draw["help_intercept"])
        assert row["vetted_share"].item() == pytest.approx(draw["vetted_share"])
