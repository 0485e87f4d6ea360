"""Mesa's own SolaraViz on CoproductionModel, unchanged: Reset rebuilds the model with the
sliders' values (Mesa 3.5 passes ``scenario=`` on Reset)."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.visualization import Slider, SolaraViz

from coprod_sim import CoproductionModel, ScenarioError


def test_reset_applies_a_changed_slider():
    model = solara.reactive(CoproductionModel(rng=3, n_residents=300, burn_in_years=0))
    params = {
        "rng": 3,
        "n_residents": Slider("Residents", 300, 100, 1000, 100),
        "fear_commitment_mean": {
            "type": "SliderFloat", "value": 0.45, "min": 0.0, "max": 1.0, "step": 0.05,
            "label": "Fear of commitment",
        },
    }  # fmt: skip

    @solara.component
    def Page():
        with solara.AppLayout():  # as the server wraps a page (SolaraViz puts controls in its
            SolaraViz(model, components=[], model_params=params)  # sidebar)

    box, rc = solara.render(Page(), handle_error=False)
    rc.find(v.Slider, label="Residents").widget.v_model = 700
    rc.find(v.Slider, label="Fear of commitment").widget.v_model = 0.8
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = model.value
    assert rebuilt.n_residents == 700
    assert rebuilt.params.fear_commitment_mean == 0.8
    assert rebuilt.seed == 3
    assert not rc.find(v.Alert).widgets  # no error shown
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.value.week == 1


def test_mesa_scenario_keyword():
    m = CoproductionModel(scenario=MesaScenario(rng=5, n_residents=200), burn_in_years=0)
    assert m.seed == 5 and m.n_residents == 200
    assert (
        CoproductionModel(scenario=MesaScenario(), rng=2, n_residents=100, burn_in_years=0).seed
        == 2
    )
    with pytest.raises(ScenarioError, match="'n_residents': given twice"):
        CoproductionModel(scenario=MesaScenario(n_residents=200), n_residents=300, burn_in_years=0)
    with pytest.raises(ScenarioError, match="'rng': given twice"):
        CoproductionModel(scenario=MesaScenario(rng=1), rng=2, n_residents=100, burn_in_years=0)
    with pytest.raises(ScenarioError, match="unknown parameter 'n_resident'"):
        CoproductionModel(scenario=MesaScenario(n_resident=200), burn_in_years=0)
    with pytest.raises(ScenarioError, match="parameter 'scenario'"):
        CoproductionModel(scenario={"n_residents": 200}, burn_in_years=0)
