"""A town is built with its progress readable from another thread (the page's progress bar)."""

from __future__ import annotations

import threading
import time

from coprod_sim.dashboard.controller import BuildStatus, PairedFutures, TownChoice


def test_build_progress_follows_the_burn_in(tmp_path, monkeypatch):
    monkeypatch.setenv("COPROD_SIM_CACHE", str(tmp_path / "cache"))  # not yet burned in
    choice = TownChoice(town="demo", residents=3000, years=1, seed=9, burn_in_years=3)
    status = BuildStatus()
    seen: list[tuple[float, str]] = []
    built: list[PairedFutures] = []
    worker = threading.Thread(target=lambda: built.append(PairedFutures(choice, status=status)))
    worker.start()
    while worker.is_alive():
        seen.append((status.fraction(), status.describe()))
        time.sleep(0.01)
    worker.join()
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)  # progress never goes back
    assert any("burn-in week" in text for _, text in seen), seen[:5]
    assert any(0 < f < 0.5 for f in fractions), fractions  # seen part way through panel 1
    assert status.fraction() == 1.0 and status.describe().startswith("built in")
    # the watched model is a plain model again, and both panels start from the same town
    a, b = (p.model for p in built[0].panels)
    assert type(a).__name__ == "CoproductionModel" and a.week == b.week == 0
    assert a.start_means == b.start_means


def test_set_choice_builds_outside_the_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("COPROD_SIM_CACHE", str(tmp_path / "cache"))
    ctl = PairedFutures(TownChoice(residents=300, years=1, seed=1, burn_in_years=0))
    ctl.step(3)
    status = BuildStatus()
    free: list[bool] = []

    def watch(model):  # called while the burn-in starts: the page's lock must be free
        free.append(ctl.lock.acquire(blocking=False))
        if free[-1]:
            ctl.lock.release()

    status.watch = watch
    ctl.set_choice(TownChoice(residents=500, years=1, seed=2, burn_in_years=1), status)
    assert free and all(free)
    assert ctl.week == 0 and ctl.panels[0].model.n_residents == 500
