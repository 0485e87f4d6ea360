"""A sweep's results folder: one Parquet dataset of runs, written in batches, and a manifest.

    results/NAME/
      manifest.json          design, its fingerprint, points, seeds, versions, git commit, status
      runs/part-*.parquet    one file per finished batch: point, arm, replication, seed,
                             metric, value
      weekly/part-*.parquet  the weekly series of the same batches (when the design asks)
      posterior_draws.parquet  with a posterior: each replication's drawn world parameters
                             (replication, seed, parameter, value); the manifest's
                             ``posterior`` names the file and its checksum

Each part file is written to a temporary name and renamed, so a killed sweep leaves only whole
batches; the runs they hold are skipped when the same command is run again. A folder made by a
different design (another fingerprint) is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import uuid
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from coprod_sim.io.scenario_file import RECORDED_PACKAGES
from coprod_sim.results_version import RESULTS_VERSION
from coprod_sim.sweeps.design import Design, DesignError

MANIFEST = "manifest.json"
DRAWS = "posterior_draws.parquet"
#: the packages a manifest records: those a run record keeps (``scenario_file``), and the
#: sweep's own (samplers, cluster)
PACKAGES = ("coprod-sim", *RECORDED_PACKAGES, "SALib", "dask", "distributed")


def _ver(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The source tree's commit (with ``+dirty`` if files differ), or None outside git."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _write_atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class Store:
    """The results folder of one design."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.runs = self.out / "runs"
        self.weekly = self.out / "weekly"

    # ---- manifest
    @property
    def manifest_path(self) -> Path:
        return self.out / MANIFEST

    def read_manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, indent=2, default=str) + "\n"
        _write_atomic(self.manifest_path, lambda p: p.write_text(text, encoding="utf-8"))

    def update_manifest(self, **changes: Any) -> dict[str, Any]:
        data = self.read_manifest()
        data.update(changes)
        self.write_manifest(data)
        return data

    # ---- parts
    def write_batch(self, runs: pd.DataFrame, weekly: pd.DataFrame | None) -> Path:
        """Write one finished batch (weekly first, so runs marked done have their series)."""
        name = f"part-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.parquet"
        if weekly is not None:
            self.weekly.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.weekly / name, lambda p: weekly.to_parquet(p, index=False))
        self.runs.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.runs / name, lambda p: runs.to_parquet(p, index=False))
        return self.runs / name

    def parts(self) -> list[Path]:
        return sorted(self.runs.glob("part-*.parquet")) if self.runs.is_dir() else []

    def done(self) -> set[tuple[int, int]]:
        """(point, replication) of every finished run."""
        parts = self.parts()
        if not parts:
            return set()
        df = pd.read_parquet(parts, columns=["point", "replication"]).drop_duplicates()
        return set(zip(df["point"].tolist(), df["replication"].tolist(), strict=True))

    def long(self) -> pd.DataFrame:
        """Every run's rows (point, arm, replication, seed, metric, value)."""
        parts = self.parts()
        if not parts:
            raise DesignError(f"results folder '{self.out}' holds no finished runs yet")
        df = pd.read_parquet(parts)
        return df.drop_duplicates(subset=["point", "replication", "metric"], keep="first")

    def draws(self) -> pd.DataFrame | None:
        """Each replication's posterior draw (replication, seed, parameter, value), or None
        for a sweep without a posterior."""
        path = self.out / DRAWS
        return pd.read_parquet(path) if path.is_file() else None

    def write_draws(self, seeds: list[int], draws: list[dict[str, Any]]) -> None:
        rows = [
            {"replication": r, "seed": seed, "parameter": k, "value": float(v)}
            for r, (seed, draw) in enumerate(zip(seeds, draws, strict=True))
            for k, v in draw.items()
        ]
        frame = pd.DataFrame(rows).astype({"replication": "int64", "seed": "int64"})
        _write_atomic(self.out / DRAWS, lambda p: frame.to_parquet(p, index=False))

    def weekly_frame(self) -> pd.DataFrame | None:
        if not self.weekly.is_dir():
            return None
        parts = sorted(self.weekly.glob("part-*.parquet"))
        if not parts:
            return None
        df = pd.read_parquet(parts)
        return df.drop_duplicates(subset=["point", "replication", "week"], keep="first")


def versions() -> dict[str, Any]:
    """What a manifest records of the software: the results version (which model made the
    numbers), Python, the packages and the commit."""
    return {
        "results_version": RESULTS_VERSION,
        "python": platform.python_version(),
        "packages": {p: _ver(p) for p in PACKAGES},
        "git_commit": git_commit(),
    }


def open_store(
    out: Path,
    design: Design,
    points: list[dict],
    seeds: list[int],
    posterior: dict[str, Any] | None = None,
    draws: list[dict[str, Any]] | None = None,
) -> Store:
    """Create the folder for ``design`` or reopen it to resume; refuse another design's folder,
    or one whose runs drew from another posterior (another checksum)."""
    store = Store(out)
    fp = design.fingerprint()
    if store.manifest_path.is_file():
        try:
            old = store.read_manifest()
        except (OSError, json.JSONDecodeError) as exc:
            raise DesignError(
                f"results folder '{out}': its manifest cannot be read ({exc}); allowed: a "
                "folder made by this design, or a new --out folder"
            ) from None
        if old.get("fingerprint") != fp:
            other = old.get("design", {}).get("sweep", {}).get("name")
            raise DesignError(
                f"results folder '{out}' holds another design ('{other}', "
                f"fingerprint {str(old.get('fingerprint'))[:12]}); this design "
                f"('{design.sweep.name}') has fingerprint {fp[:12]}; allowed: the same design "
                "(to resume), or a new --out folder"
            )
        _check_same_results_version(out, old.get("results_version"))
        _check_same_posterior(out, old.get("posterior"), posterior)
        if draws is not None and store.draws() is None:
            store.write_draws(seeds, draws)
        if old.get("design") != design.to_dict():  # report settings edited: keep the new ones
            store.update_manifest(design=design.to_dict(), design_source=design.source)
        return store
    if out.exists() and not out.is_dir():
        raise DesignError(
            f"--out '{out}': it exists and is not a folder; allowed: a new or empty folder, or "
            "one made by this design"
        )
    if out.exists() and any(out.iterdir()):
        raise DesignError(
            f"results folder '{out}' is not empty and has no {MANIFEST}; allowed: a new or "
            "empty folder, or one made by this design"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DesignError(
            f"--out '{out}': the folder cannot be created ({exc.strerror or exc}); allowed: a "
            "folder you can write to"
        ) from None
    store.write_manifest(
        {
            "fingerprint": fp,
            "design": design.to_dict(),
            "design_source": design.source,
            "design_file": design.path,
            "weeks": design.weeks,
            "burn_in_weeks": design.sweep.burn_in_weeks,
            "points": points,
            "seeds": seeds,
            "posterior": posterior,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": "created",
            **versions(),
        }
    )
    if draws is not None:
        store.write_draws(seeds, draws)
    return store


def _check_same_results_version(out: Path, made: Any) -> None:
    """A resumed sweep must not mix runs of two models: its finished runs' results version
    must be this code's."""
    if made != RESULTS_VERSION:
        was = "before results versions" if made is None else f"by results version {made}"
        raise DesignError(
            f"results folder '{out}': its runs were made {was}, and this code is results "
            f"version {RESULTS_VERSION} (the model's results changed since); allowed: a new "
            "--out folder (or delete this one to run it again)"
        )


def _check_same_posterior(out: Path, old: Any, new: dict[str, Any] | None) -> None:
    """A resumed sweep must draw from the posterior its finished runs drew from."""
    before = old.get("checksum") if isinstance(old, dict) else None
    now = new.get("checksum") if new else None
    if before != now:
        was = f"posterior {old.get('file')} ({before[:19]})" if before else "no posterior"
        is_ = f"posterior {new['file']} ({now[:19]})" if now else "no posterior"
        raise DesignError(
            f"results folder '{out}': its runs drew their world parameters from {was}, and "
            f"this design now draws from {is_} (the posterior file changed); allowed: the same "
            "posterior (to resume), or a new --out folder"
        )


# ------------------------------------------------------------------ who runs a sweep
def owner_record() -> dict[str, Any]:
    """Who is running the sweep: this process (its pid, host and start time)."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def effective_status(manifest: dict[str, Any]) -> str:
    """The manifest's status, except that a sweep recorded "running" whose process on this
    host is gone (killed with ``kill -9``, a power cut) is "interrupted": it will not finish."""
    status = str(manifest.get("status", "unknown"))
    owner = manifest.get("owner") or {}
    if status == "running" and owner.get("host") == socket.gethostname():
        pid = owner.get("pid")
        if isinstance(pid, int) and not _alive(pid):
            return "interrupted"
    return status


def live_owner(manifest: dict[str, Any]) -> str | None:
    """Who else is writing this folder now ("process P on HOST, since T"), or None: a manifest
    "running" for a live process other than this one (a sweep or a search refuses it)."""
    owner = manifest.get("owner") or {}
    if effective_status(manifest) == "running" and owner.get("pid") != os.getpid():
        return f"process {owner.get('pid')} on {owner.get('host')}, since {owner.get('started')}"
    return None


def missing_runs(manifest: dict[str, Any], done: set[tuple[int, int]]) -> list[tuple[str, int]]:
    """(arm, replication) of every run the manifest asks for that has no results yet."""
    reps = {int(k): int(v) for k, v in (manifest.get("replications") or {}).items()}
    out = []
    for p in manifest.get("points", []):
        for r in range(reps.get(int(p["point"]), 0)):
            if (int(p["point"]), r) not in done:
                out.append((str(p["arm"]), r))
    return out
