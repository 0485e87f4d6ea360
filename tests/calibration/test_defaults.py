"""The declared defaults of the fitted world parameters sit at the centre of the shipped
posteriors (issue 25), so a run with ``--no-posterior`` is a typical calibrated town rather
than a hand-tuned edge of the posterior. After a refit moves the centre this fails, naming the
value to declare (and the defaults' move is a change of results: bump ``RESULTS_VERSION``
with the same rules version, see ``coprod_sim/results_version.py``)."""

from __future__ import annotations

from coprod_sim import Scenario
from coprod_sim.calibration.posterior import pooled_centre
from coprod_sim.calibration.targets import calibrated_parameters
from coprod_sim.results_version import RESULTS_VERSION, RULES_OF, fit_is_current

#: how far a default may sit from the centre, as a share of its prior's width (the centre is
#: declared rounded to two or three significant figures)
CENTRE_TOLERANCE = 0.02


def test_fitted_defaults_are_the_posteriors_centre() -> None:
    centre = pooled_centre()
    rows = {r["name"]: r for r in calibrated_parameters()}
    assert set(centre) == set(rows)
    far = []
    for name, c in centre.items():
        low, high = rows[name]["prior"]
        default = Scenario.model_fields[name].default
        if abs(default - c) > CENTRE_TOLERANCE * (high - low):
            far.append(f"{name}: default {default:g}, centre {c:.4g} (prior {low:g}-{high:g})")
    assert not far, "declared defaults away from the posteriors' centre:\n" + "\n".join(far)


def test_a_posterior_is_current_while_its_rules_are() -> None:
    assert RESULTS_VERSION in RULES_OF, "declare the new version's rules version in RULES_OF"
    same = [v for v, r in RULES_OF.items() if r == RULES_OF[RESULTS_VERSION]]
    assert all(fit_is_current(v) for v in same)
    assert all(not fit_is_current(v) for v in RULES_OF if v not in same)
    assert not fit_is_current(None) and not fit_is_current(RESULTS_VERSION + 1)
    assert fit_is_current("3", 4) and not fit_is_current(2, 4) and fit_is_current(7, 7)
