"""Mesa's own SolaraViz on CoproductionModel, unchanged: Reset rebuilds the model with the
sliders' values (Mesa 3.5 passes ``scenario=`` on Reset)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
from _server import free_port, wait_for_http
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.visualization import Slider, SolaraViz

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.dashboard.offline import keep_offline


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


def readme_solaraviz_recipe() -> tuple[str, str]:
    """The README's SolaraViz app file and its start command (the block that writes app.py)."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    m = re.search(r"cat > app\.py <<'EOF'\n(.*?)\nEOF\n(.*?)\n```", text, re.S)
    assert m, "the README has no offline SolaraViz recipe (cat > app.py <<'EOF' ... solara run)"
    return m.group(1) + "\n", m.group(2).replace("\\\n", " ")


@pytest.mark.slow
def test_readme_recipe_serves_solaraviz_offline(tmp_path, browser):
    """The README's recipe, started as written (on a free port): HTTP 200, the page renders a
    Step button in chromium, and no request leaves 127.0.0.1."""

    app, command = readme_solaraviz_recipe()
    (tmp_path / "app.py").write_text(app)
    args = shlex.split(command)
    env_assignments = [a for a in args if re.match(r"^[A-Z_]+=", a)]
    argv = args[len(env_assignments) :]
    assert argv[0].endswith("bin/solara") and "--production" in argv
    assert "--no-check-version" in argv and "SOLARA_TELEMETRY_MIXPANEL_ENABLE=false" in args
    port = free_port()
    argv = [sys.executable, "-m", "solara", *argv[1:]]
    argv[argv.index("--port") + 1] = str(port)
    env = {**os.environ, **dict(a.split("=", 1) for a in env_assignments)}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")]
    )
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        ctx = browser.new_context()
        page = ctx.new_page()
        blocked = keep_offline(page)
        page.goto(url)
        page.get_by_role("button", name="Step").first.wait_for(timeout=120_000)
        page.get_by_role("button", name="Step").first.click()
        page.wait_for_timeout(2000)
        assert "Traceback" not in page.locator("body").inner_text()
        ctx.close()
        assert blocked == [], f"requests left 127.0.0.1: {blocked}"
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
