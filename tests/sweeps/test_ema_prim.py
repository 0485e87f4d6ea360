"""to_ema's output works with PRIM all the way through: find_box, inspect, show_tradeoff."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _sweep_helpers import tiny_design  # noqa: E402

from coprod_sim.sweeps import Design, run_sweep  # noqa: E402
from coprod_sim.sweeps.ema import to_ema  # noqa: E402


def test_prim_inspects_a_box_restricted_on_a_lever_switch(tmp_path: Path) -> None:
    from ema_workbench.analysis import prim

    data = tiny_design(replications=3, weeks=3)
    data.pop("arms")
    data["design"] = {
        "kind": "factorial",
        "factors": {"time_bank": [False, True], "need_rate_scale": [0.5, 2.0]},
    }
    run_sweep(Design.from_dict(data), tmp_path / "f", workers=0)
    x, y = to_ema(tmp_path / "f")
    assert x["time_bank"].dtype == np.float64 and set(x["time_bank"]) == {0.0, 1.0}
    assert str(x["policy"].dtype) == "category"
    xx = x.drop(columns=["scenario", "policy", "model"])
    # cases of interest: time bank on and many needs; the box must restrict the switch
    interest = (xx["time_bank"].to_numpy() == 1.0) & (
        y["needs_arisen"] > np.median(y["needs_arisen"])
    )
    box = prim.Prim(xx, interest).find_box()
    table = box.inspect(style="data")[0][1]
    assert "time_bank" in table.index  # failed before: Invalid value '{True}' for dtype float64
    assert table.loc["time_bank"].iloc[0] > 0  # off (0.0) is outside the box
    box.inspect()
    box.inspect(style="graph")
    box.show_tradeoff()
    plt.close("all")
