"""Posterior files: a valid one round-trips; a damaged one, or one made for other parameters or
another version, is refused naming the problem; draws are reproducible and follow the weights."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import coprod_sim
from coprod_sim.calibration import Posterior, PosteriorError, load_posterior, posterior_rng
from coprod_sim.calibration import posterior as posterior_module
from coprod_sim.calibration.posterior import checksum_of, draw_for_run
from coprod_sim.parameters import parameter_rows
from coprod_sim.scenario import Scenario

#: the calibrated parameters (declared with a prior), in declaration order
ROWS = [r for r in parameter_rows(Scenario) if r["prior"] is not None]
PARAMS = [
    {"name": r["name"], "unit": r["unit"], "prior": "uniform", "low": lo, "high": hi}
    for r in ROWS
    for lo, hi in [r["prior"]]
]
#: four particles at 10%, 35%, 60% and 85% of every prior
FRACTIONS = (0.1, 0.35, 0.6, 0.85)
PARTICLES = [[p["low"] + f * (p["high"] - p["low"]) for p in PARAMS] for f in FRACTIONS]
WEIGHTS = [0.1, 0.2, 0.3, 0.4]
HELP = [p["name"] for p in PARAMS].index("help_intercept")


def fields(**changes: Any) -> dict[str, Any]:
    """The fields of a small valid posterior (demo town), with ``changes``."""
    base = {
        "town": "demo",
        "scale": 1.0,
        "created": "2026-11-29T17:00:00Z",
        "parameters": PARAMS,
        "particles": PARTICLES,
        "weights": WEIGHTS,
        "targets": [
            {
                "id": "vol_weekly",
                "value": 0.15,
                "kind": "calibrate",
                "measure": "participation_formal_weekly",
                "source": "test",
            }
        ],
        "distance": {"name": "euclidean", "description": "test", "epsilons": [0.3, 0.1]},
        "fit": {"generations": np.int64(2), "wall_seconds": np.float64(1.5)},
        "seeds": {"seed": 1},
        "checks": {"willingness": "ok"},
    }
    return {**base, **changes}


def saved(tmp_path: Path, **changes: Any) -> Path:
    return Posterior(**fields(**changes)).save(tmp_path / "posterior_demo.json")


def write_raw(path: Path, data: dict[str, Any], checksum: bool = True) -> Path:
    """A file with any contents (and, by default, a checksum that matches them): a posterior
    made elsewhere, by another version or for other parameters."""
    data = {k: v for k, v in data.items() if k != "checksum"}
    if checksum:
        data["checksum"] = checksum_of(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def raw(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    data = json.loads(saved(tmp_path).read_text())
    data.update(changes)
    return data


def refused(path: Path, *words: str) -> str:
    with pytest.raises(PosteriorError) as err:
        load_posterior(path)
    msg = str(err.value)
    assert msg.startswith(f"posterior {path.resolve()}: ") or msg.startswith("posterior file")
    assert "Value error" not in msg and "(top level)" not in msg  # one plain message
    for w in words:
        assert w in msg, f"{w!r} not in: {msg}"
    return msg


# ------------------------------------------------------------------ round trip
def test_round_trip_keeps_every_field_and_the_checksum(tmp_path: Path) -> None:
    path = saved(tmp_path)
    post = load_posterior(path)
    assert post.names == [r["name"] for r in ROWS] and "help_intercept" in post.names
    assert post.particles == PARTICLES and post.weights == WEIGHTS
    assert post.package_version == coprod_sim.__version__
    assert post.fit == {"generations": 2, "wall_seconds": 1.5}  # NumPy numbers written plainly
    assert post.checksum == checksum_of(json.loads(path.read_text()))
    assert post.source == str(path.resolve())
    again = post.save(tmp_path / "again.json")
    assert load_posterior(again).data() == post.data()


def test_the_checksum_is_of_the_canonical_json(tmp_path: Path) -> None:
    import hashlib

    data = json.loads(saved(tmp_path).read_text())
    body = {k: v for k, v in data.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert data["checksum"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ damaged files
def test_an_edited_byte_is_refused(tmp_path: Path) -> None:
    path = saved(tmp_path)
    text = path.read_text()
    edited = text.replace('"town": "demo"', '"town": "demO"')  # one byte
    assert edited != text
    path.write_text(edited)
    refused(path, str(path.resolve()), "checksum", "changed or damaged", "calibrate")


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    path = saved(tmp_path)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    refused(path, str(path.resolve()), "cut short")


def test_not_json_and_not_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("town = 'demo'\n")
    refused(path, "not JSON")
    path.write_bytes(b'{"format": "\xff"}')
    refused(path, "not UTF-8")
    path.write_text("[1, 2]")
    refused(path, "not an object")


def test_unknown_format_or_version_is_refused(tmp_path: Path) -> None:
    p = write_raw(tmp_path / "a.json", raw(tmp_path, format="something else"))
    refused(p, "field 'format'", "something else", "coprod-sim posterior")
    p = write_raw(tmp_path / "b.json", raw(tmp_path, format_version=2))
    refused(p, "field 'format_version'", "2", "allowed: 1")


def test_a_missing_or_unknown_field_is_refused(tmp_path: Path) -> None:
    data = raw(tmp_path)
    del data["weights"]
    refused(write_raw(tmp_path / "a.json", data), "'weights'", "missing")
    refused(write_raw(tmp_path / "b.json", raw(tmp_path, extra=1)), "'extra'", "not a field")


# ------------------------------------------------------------------ made for something else
def test_another_package_version_is_refused_with_how_to_refit(tmp_path: Path) -> None:
    p = write_raw(tmp_path / "old.json", raw(tmp_path, package_version="0.0.9"))
    refused(
        p,
        "package_version",
        "0.0.9",
        f"this is coprod-sim {coprod_sim.__version__}",
        "coprod-sim calibrate --town demo",
    )


def test_other_parameter_names_are_refused_naming_the_closest(tmp_path: Path) -> None:
    params = [dict(p) for p in PARAMS]
    params[HELP]["name"] = "help_intercpt"
    p = write_raw(tmp_path / "names.json", raw(tmp_path, parameters=params))
    refused(
        p, f"parameters[{HELP}].name", "help_intercpt", "other parameter names", "'help_intercept'"
    )


def test_a_world_parameter_that_is_not_calibrated_is_refused(tmp_path: Path) -> None:
    params = [dict(p) for p in PARAMS]
    params[HELP] = {"name": "weight_time", "unit": "logit per log(hours ratio)", "low": 0.0,
                    "high": 10.0}  # fmt: skip
    p = write_raw(tmp_path / "w.json", raw(tmp_path, parameters=params))
    refused(p, "'weight_time'", "not a calibrated parameter", "help_intercept")


def test_a_missing_calibrated_parameter_is_refused(tmp_path: Path) -> None:
    keep = [j for j in range(len(PARAMS)) if j != HELP]
    data = raw(
        tmp_path,
        parameters=[PARAMS[j] for j in keep],
        particles=[[row[j] for j in keep] for row in PARTICLES],
    )
    refused(write_raw(tmp_path / "m.json", data), "'help_intercept' missing", "calibrate")


def test_a_parameter_that_is_not_a_world_parameter_is_refused(tmp_path: Path) -> None:
    params = [*PARAMS[:-1], {"name": "n_residents", "unit": "residents", "low": 1, "high": 9}]
    p = write_raw(tmp_path / "role.json", raw(tmp_path, parameters=params))
    refused(p, "n_residents", "run parameter", "world parameter")


def test_another_unit_is_refused(tmp_path: Path) -> None:
    params = [dict(p) for p in PARAMS]
    params[HELP]["unit"] = "odds"
    p = write_raw(tmp_path / "unit.json", raw(tmp_path, parameters=params))
    refused(p, f"parameters[{HELP}].unit", "'odds'", "'logit'")


def test_another_prior_than_the_declared_one_is_refused(tmp_path: Path) -> None:
    params = [dict(p) for p in PARAMS]
    params[HELP]["high"] = 2.5  # declared prior: [-2, 3]
    p = write_raw(tmp_path / "prior.json", raw(tmp_path, parameters=params))
    refused(p, "help_intercept", "[-2, 2.5]", "differs from the prior", "[-2, 3]", "calibrate")


# ------------------------------------------------------------------ bad values
@pytest.mark.parametrize(
    ("value", "words"),
    [
        (3.5, [f"particles[2][{HELP}]", "help_intercept", "3.5", "outside its prior", "[-2, 3]"]),
        (math.nan, [f"particles[2][{HELP}]", "nan", "finite"]),
        (math.inf, [f"particles[2][{HELP}]", "inf", "finite"]),
    ],
)
def test_a_particle_value_out_of_range_or_not_finite_is_refused(
    tmp_path: Path, value: float, words: list[str]
) -> None:
    particles = [list(r) for r in PARTICLES]
    particles[2][HELP] = value
    p = write_raw(tmp_path / "v.json", raw(tmp_path, particles=particles))
    refused(p, *words)
    with pytest.raises(PosteriorError, match="particles"):
        Posterior(**fields(particles=particles))  # refused when built, too


def test_a_whole_number_parameter_must_hold_whole_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """None of today's calibrated parameters is a whole number: one is made so here."""
    monkeypatch.setattr(posterior_module, "_int_params", lambda: {"help_intercept"})
    particles = [list(r) for r in PARTICLES]
    for row, v in zip(particles, (-1.0, 0.0, 1.0, 2.0), strict=True):
        row[HELP] = v
    post = Posterior(**fields(particles=particles))
    assert all(isinstance(d["help_intercept"], int) for d in post.draw(posterior_rng(1), 20))
    particles[1][HELP] = 0.5
    with pytest.raises(PosteriorError, match=rf"particles\[1\]\[{HELP}\].*whole number"):
        Posterior(**fields(particles=particles))


def test_rows_of_the_wrong_width_are_refused(tmp_path: Path) -> None:
    particles = [list(r) for r in PARTICLES]
    particles[3] = particles[3][:-1]
    p = write_raw(tmp_path / "w.json", raw(tmp_path, particles=particles))
    n = len(PARTICLES[3])
    refused(p, "particles[3]", f"{n - 1} values", f"lists {n}")


@pytest.mark.parametrize(
    ("weights", "words"),
    [
        ([0.1, 0.2, 0.3, 0.3], ["weights", "sum to 0.9", "within 1e-09"]),
        ([0.5, -0.1, 0.2, 0.4], ["weights[1]", "-0.1", ">= 0"]),
        ([0.1, math.nan, 0.3, 0.4], ["weights[1]", "nan"]),
        ([0.5, 0.5], ["2 weights for 4 particles"]),
    ],
)
def test_bad_weights_are_refused(tmp_path: Path, weights: list[float], words: list[str]) -> None:
    p = write_raw(tmp_path / "w.json", raw(tmp_path, weights=weights))
    refused(p, *words)


def test_save_refuses_a_posterior_that_does_not_check(tmp_path: Path) -> None:
    post = Posterior(**fields())
    post.weights = [0.25, 0.25, 0.25, 0.2]  # changed after it was built
    with pytest.raises(PosteriorError, match="sum to"):
        post.save(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


# ------------------------------------------------------------------ towns and shipped files
def test_a_town_without_a_shipped_posterior_says_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(posterior_module, "SHIPPED", "posterior_{town}.missing-in-test.json")
    with pytest.raises(PosteriorError) as err:
        load_posterior("darlington")
    msg = str(err.value)
    assert "no posterior is shipped for town 'darlington' yet" in msg
    assert "coprod-sim calibrate --town darlington" in msg


def test_a_shipped_posterior_is_read_from_the_package_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(tmp_path)  # tmp_path/posterior_demo.json stands for the package's data folder
    monkeypatch.setattr(posterior_module, "files", lambda package: tmp_path)
    post = load_posterior("demo")
    assert post.source == "package:coprod_sim/data/posterior_demo.json"
    assert post.town == "demo"
    (tmp_path / "posterior_reading.json").write_text((tmp_path / "posterior_demo.json").read_text())
    with pytest.raises(PosteriorError, match="'demo'.*shipped as town 'reading'"):
        load_posterior("reading")


def test_an_unknown_town_or_missing_file_is_refused() -> None:
    with pytest.raises(PosteriorError, match="not a town preset nor a posterior file.*demo"):
        load_posterior("darlingtn")
    with pytest.raises(PosteriorError, match="does not exist"):
        load_posterior("no/such/posterior.json")


# ------------------------------------------------------------------ draws
def test_the_same_seed_gives_the_same_draws() -> None:
    post = Posterior(**fields())
    a = post.draw(posterior_rng(11), 50)
    assert a == post.draw(posterior_rng(11), 50)
    assert a != post.draw(posterior_rng(12), 50)
    assert all(list(d.values()) in PARTICLES for d in a)  # whole particles, never mixed


def test_draws_follow_the_weights() -> None:
    """Over 5 seeds of 20,000 draws each, every particle's share is within 0.015 of its
    weight (about 4 standard errors) and a chi-square test does not reject (p > 0.001)."""
    post = Posterior(**fields())
    for seed in range(5):
        draws = post.draw(posterior_rng(seed), 20_000)
        counts = np.array(
            [sum(d["help_intercept"] == r[HELP] for d in draws) for r in PARTICLES], dtype=float
        )
        assert np.all(np.abs(counts / len(draws) - WEIGHTS) < 0.015), (seed, counts)
        assert stats.chisquare(counts, np.array(WEIGHTS) * len(draws)).pvalue > 0.001


def test_weighted_quantiles_equal_those_of_the_sample_expanded_by_weight() -> None:
    post = Posterior(**fields())
    x = np.repeat(np.array(PARTICLES), [1, 2, 3, 4], axis=0)  # weights 0.1..0.4 as counts
    qs = [0.05, 0.25, 0.5, 0.9]
    got = post.quantiles(qs)
    for j, name in enumerate(post.names):
        assert got[name] == pytest.approx(np.quantile(x[:, j], qs, method="inverted_cdf"))
    assert post.median() == dict(zip(post.names, PARTICLES[2], strict=True))  # cum. weight 0.6
    x_help = [r[HELP] for r in PARTICLES]
    assert post.mean()["help_intercept"] == pytest.approx(np.dot(WEIGHTS, x_help))
    with pytest.raises(PosteriorError, match="quantiles"):
        post.quantiles([1.5])


def test_draw_for_run_keeps_what_the_user_set_and_records_it() -> None:
    post = Posterior(**fields())
    applied, record = draw_for_run(post, 5, {"help_intercept": 0.25})
    assert "help_intercept" not in applied
    assert record["overridden"] == {"help_intercept": 0.25}
    assert record["drawn"] == post.draw(posterior_rng(5), 1)[0]
    assert record["checksum"] == post.compute_checksum()


def test_numpy_arrays_from_a_fit_are_taken_as_numbers(tmp_path: Path) -> None:
    post = Posterior(**fields(particles=np.array(PARTICLES), weights=np.array(WEIGHTS)))
    assert post.particles == PARTICLES and post.weights == WEIGHTS
    assert load_posterior(post.save(tmp_path / "np.json")).particles == PARTICLES
