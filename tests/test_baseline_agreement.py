"""The array model and the agent-by-agent baseline (benchmarks/baseline_agent_loop.py) follow
the same weekly rules: their outcomes agree within sampling error over many seeds.

Both start from the same town (the baseline copies the array model's initial state); their
random draws differ, so each outcome is compared as a difference of means over ``SEEDS`` runs
each, and must lie within ``Z_MAX`` standard errors of the difference. With about a dozen
outcomes compared, a per-outcome 4-SE bound keeps the chance of a false alarm below about
0.1% in all (Bonferroni: 13 x 6e-5), while a real difference in a rule of a few percent of an
outcome shows up (the negative control below checks that the comparison can fail).
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def baseline() -> ModuleType:
    """The benchmark module, imported by the tests that use it: if it is broken, they fail
    with its import error instead of stopping the collection of the whole suite."""
    return importlib.import_module("baseline_agent_loop")


RESIDENTS = 400
WEEKS = 78
SEEDS = 14
Z_MAX = 4.0


def _runs(
    baseline: ModuleType, n_seeds: int, first_seed: int, dropout_factor: float = 1.0
) -> tuple[list[dict], list[dict]]:
    arr_out, loop_out = [], []
    for s in range(first_seed, first_seed + n_seeds):
        arr = baseline.array_model(RESIDENTS, s)
        loop = baseline.AgentLoopModel(arr)
        if dropout_factor != 1.0:  # change one of the baseline's rules (negative control)
            hazard = min(1.0, loop.p.dropout_hazard * dropout_factor)
            loop.p = loop.p.model_copy(update={"dropout_hazard": hazard})
        for _ in range(WEEKS):
            arr.step()
        for _ in range(WEEKS):
            loop.step()
        arr_out.append(baseline.outcomes(arr))
        loop_out.append(baseline.outcomes(loop))
    return arr_out, loop_out


def _z_scores(a: list[dict], b: list[dict]) -> dict[str, tuple[float, float, float]]:
    """(mean a, mean b, z of the difference) per outcome."""
    out = {}
    for key in a[0]:
        x = [r[key] for r in a]
        y = [r[key] for r in b]
        mx, my = sum(x) / len(x), sum(y) / len(y)
        vx = sum((v - mx) ** 2 for v in x) / (len(x) - 1)
        vy = sum((v - my) ** 2 for v in y) / (len(y) - 1)
        se = math.sqrt(vx / len(x) + vy / len(y))
        z = (mx - my) / se if se > 0 else (0.0 if mx == my else math.inf)
        out[key] = (mx, my, z)
    return out


@pytest.fixture(scope="module")
def same_rules(baseline: ModuleType):
    return _z_scores(*_runs(baseline, SEEDS, first_seed=1000))


@pytest.mark.slow
def test_outcomes_agree_within_sampling_error(same_rules):
    bad = {k: v for k, v in same_rules.items() if not abs(v[2]) <= Z_MAX}
    table = "\n".join(
        f"{k:28s} array {a:10.4f} agent loop {b:10.4f} z {z:6.2f}"
        for k, (a, b, z) in same_rules.items()
    )
    assert not bad, f"outcomes differ by more than {Z_MAX} SE:\n{table}"


def test_outcomes_are_not_trivial(same_rules):
    """People help through both volunteer channels and professionals meet needs, so the
    agreement above is about a running town, not two idle ones."""
    for key in ("helping_share", "met_informal", "met_open_call", "met_professional"):
        a, b, _ = same_rules[key]
        assert a > 0 and b > 0, key


@pytest.mark.slow
def test_comparison_detects_a_changed_rule(baseline: ModuleType):
    """Negative control: when the baseline's helpers drop out five times as often, the same
    comparison flags the difference (here on drop-outs, a direct consequence)."""
    a, b = _runs(baseline, 8, first_seed=2000, dropout_factor=5.0)
    z = _z_scores(a, b)
    assert z["dropouts"][2] < -Z_MAX, z["dropouts"]


def test_the_baselines_decision_formula_is_the_models_rule(baseline: ModuleType) -> None:
    """The baseline's per-agent formula equals the model's rule ``decision.help_probability``
    pair by pair, over pairs that span the rule."""
    import numpy as np

    from coprod_sim import make_scenario
    from coprod_sim.mechanisms.decision import HelpWeights, Resident, Task, help_probability

    rng = np.random.default_rng(5)
    p = make_scenario()
    w = HelpWeights.from_scenario(p)
    got, want = [], []
    for _ in range(200):
        u = rng.random(12)
        pair = (
            float(rng.gamma(2.0, 3.0)),  # spare hours
            float(rng.choice([0.5, 1.0, 2.0, 3.0, 4.0])),  # task hours
            *(float(x) for x in u[:4]),  # trust in the person, the place; confidence; fear
            float(rng.choice([0.0, 0.01, 0.03])),  # growth
            float(u[4]),  # fear of liability
            float(u[5]),  # risk
            bool(u[6] < 0.3),  # insured
            bool(u[7] < 0.5),  # asked
            bool(u[8] < 0.5),  # aware
            *(float(x) for x in u[9:12]),  # reward, example, fatigue
        )
        got.append(baseline.help_probability(p, *pair))
        (spare, hours, t_person, t_place, conf, f_commit, growth, f_liab, risk, *rest) = pair
        resident = Resident(spare, t_person, t_place, conf, f_commit, f_liab, *rest)
        want.append(help_probability(resident, Task(hours, growth, risk), w))
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    assert min(want) < 0.2 and max(want) > 0.8  # the inputs span the rule


@pytest.mark.slow
def test_the_race_prints_its_speedup_last(
    baseline: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """The benchmark's command line (issue 5: ``speedup: X`` as the last line), on a tiny town;
    bad counts are refused with a message naming the option."""
    assert baseline.main(["--residents", "200", "--weeks", "2", "--reps", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "untimed warm-up" in lines[0]
    assert lines[-1].startswith("speedup: ") and float(lines[-1].split()[-1]) > 0
    with pytest.raises(SystemExit):
        baseline.main(["--residents", "0"])
    assert "--residents: 0 is not allowed" in capsys.readouterr().err
