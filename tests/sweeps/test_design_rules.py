"""Rules named in a design reach every worker; a rule replaced in its module, which spawned
workers cannot see, is refused instead of silently running the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from _sweep_helpers import comparable, tiny_design

from coprod_sim.mechanisms import commitment
from coprod_sim.sweeps import Design, DesignError, run_sweep

RULE_FILE = '''
def exhausting(fatigue, committed, tolerance, rate, recovery):
    """Every week of help is a burnout."""
    return 1.0 if committed > 0 else 0.0
'''


def _design(tmp_path: Path, **extra: object) -> Design:
    (tmp_path / "my_rules.py").write_text(RULE_FILE)
    path = tmp_path / "design.toml"
    path.write_text("")  # only its folder matters: relative rule files are read from there
    return Design.from_dict({**tiny_design(replications=2), **extra}, path=path.as_posix())


@pytest.mark.slow
def test_a_rule_named_in_the_design_reaches_spawned_workers(tmp_path: Path) -> None:
    design = _design(tmp_path, rules={"fatigue": "my_rules.py:exhausting"})
    run_sweep(design, tmp_path / "w0", workers=0)
    run_sweep(design, tmp_path / "w1", workers=1)
    in_process, spawned = comparable(tmp_path / "w0"), comparable(tmp_path / "w1")
    assert in_process.drop(columns=["seconds"], errors="ignore").equals(
        spawned.drop(columns=["seconds"], errors="ignore")
    )
    run_sweep(_design(tmp_path), tmp_path / "default", workers=0)
    default = comparable(tmp_path / "default")
    assert not in_process["volunteer_hours"].equals(default["volunteer_hours"])


def test_a_changed_rule_is_another_design(tmp_path: Path) -> None:
    a = _design(tmp_path, rules={"fatigue": "my_rules.py:exhausting"}).fingerprint()
    (tmp_path / "my_rules.py").write_text(RULE_FILE.replace("1.0 if", "0.9 if"))
    from coprod_sim.rules import _module_from_file

    _module_from_file.cache_clear()
    b = Design.from_dict(
        {**tiny_design(replications=2), "rules": {"fatigue": "my_rules.py:exhausting"}},
        path=(tmp_path / "design.toml").as_posix(),
    ).fingerprint()
    assert a != b
    assert (
        _design(tmp_path).fingerprint()
        == Design.from_dict(tiny_design(replications=2)).fingerprint()
    )


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        ({"no_such_rule": "my_rules.py:exhausting"}, "unknown rule 'no_such_rule'"),
        ({"fatigue": "exhausting"}, "'package.module:function' or 'file.py:function'"),
        ({"fatigue": "missing.py:exhausting"}, "does not exist"),
        ({"fatigue": "my_rules.py:nothing"}, "has no function 'nothing'"),
        ({"fatigue": "no_such_package_xyz:f"}, "could not be imported"),
        ({"tolerance": "my_rules.py:exhausting"}, "the replacement returned"),
    ],
)
def test_a_bad_rule_reference_is_a_clear_error(tmp_path: Path, rules: dict, says: str) -> None:
    with pytest.raises(DesignError, match=None) as err:
        _design(tmp_path, rules=rules)
    assert says in str(err.value)


def test_a_rule_replaced_in_its_module_is_refused_with_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def calm(fatigue, committed, tolerance, rate, recovery):
        return 0.0

    monkeypatch.setattr(commitment, "next_fatigue", calm)
    with pytest.raises(DesignError, match="fatigue replaced in its module"):
        run_sweep(Design.from_dict(tiny_design(replications=1)), tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()
    run_sweep(Design.from_dict(tiny_design(replications=1)), tmp_path / "in", workers=0)
