"""Plot the shipped futures' trajectories (the input data only, no model run) for
docs/futures.md: the 65+ and 80+ shares' change, mortality, social care demand, budget and free
time and the town's size by year, as each future declares them (linear between the years given).

    .venv/bin/python experiments/futures/plot_trajectories.py     # writes docs/futures.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from coprod_sim.data.future_file import load_future, shipped_futures  # noqa: E402
from coprod_sim.mechanisms.needs import SERVICE_INDEX  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
YEARS = np.linspace(0, 10, 101)


def panels() -> list[tuple[str, callable]]:
    """(title, value of a future's values in a year) for each panel."""
    sc = SERVICE_INDEX["social_care"]
    return [
        ("65+ share of adults: change (points)", lambda f, v0, v: _share(v, v0, "65")),
        ("80+ share of adults: change (points)", lambda f, v0, v: _share(v, v0, "80")),
        ("mortality (x today's)", lambda f, v0, v: v.mortality),
        ("social care need rates (x today's,\nbeyond the age mix)", lambda f, v0, v: v.demand[sc]),
        ("budget, mean of services (x today's)", lambda f, v0, v: float(v.budget.mean())),
        ("free time (x today's)", lambda f, v0, v: v.free_time),
        ("town size (x year 0's)", lambda f, v0, v: 1.0 if v.population is None else v.population),
    ]


def _share(v, v0, which: str) -> float:
    now = getattr(v, f"share_{which}_plus")
    return 0.0 if now is None else 100 * (now - getattr(v0, f"share_{which}_plus"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "futures.png"))
    out = Path(ap.parse_args().out)
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), sharex=True)
    axes.flat[-1].axis("off")  # seven panels
    for i, name in enumerate(shipped_futures()):
        f = load_future(name)
        width = 5.0 - 1.3 * i  # futures that agree on a panel overlap: wide lines first
        v0 = f.at(0)
        values = [f.at(y) for y in YEARS]
        style = "--" if name == "steady" else "-"
        for ax, (title, get) in zip(axes.flat, panels(), strict=False):
            ax.plot(YEARS, [get(f, v0, v) for v in values], style, label=name, lw=width, alpha=0.8)
            ax.set_title(title, fontsize=10)
    for ax in axes[1]:
        ax.set_xlabel("years after the start of the results")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("The shipped futures as declared (coprod_sim/data/futures/*.toml)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
