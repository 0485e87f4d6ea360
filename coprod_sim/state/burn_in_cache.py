"""A burned-in town, computed once: the model's state after its burn-in, kept on disk.

The burn-in (``burn_in_years``, 416 weeks by default) is the same for every run of one town,
size, seed and set of world parameters, whatever the levers: no lever acts in it, and levers
are registered after it. So its end state is a value with a key, and is stored here:

- **Key**: a SHA-256 of the scenario's parameters (every world parameter, the town, its size
  and ``burn_in_years``), the seed, the number of residents, and a fingerprint of the code and
  data that compute it (every file of the installed package, and the versions of Python, NumPy,
  numba and Mesa). A changed parameter, seed, rule, data file or version is another key: an
  entry is never stale. Runs with replaced rules or custom kinds of need are not cached.
- **Folder**: ``$COPROD_SIM_CACHE`` if set (``off`` switches the cache off), else
  ``$XDG_CACHE_HOME/coprod-sim/burn-in`` (default ``~/.cache/coprod-sim/burn-in``).
  Size-capped: ``$COPROD_SIM_CACHE_MAX_MB`` (default 2048 MB); the least recently used entries
  go first.
- **Safe**: an entry is written to a temporary file in the same folder and renamed into place,
  so two processes storing the same key leave one complete entry; each entry carries the SHA-256
  of its contents, checked on load; a damaged entry is refused with a warning, removed, and the
  burn-in computed again.

A run restored from the cache is bit-identical to one that computed its burn-in (tested), and
its ``scenario.json`` is the same. ``CoproductionModel(burn_in_cache=True)`` uses it; the
command line (``run``, ``rerun``), sweeps and the dashboard do by default.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import platform
import secrets
import sys
import warnings
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from mesa import Model

FORMAT = b"coprod-sim burn-in 1\n"
DEFAULT_MAX_MB = 2048

#: model attributes that are not the town's state: Mesa's own machinery, the agents (views of
#: rows, rebuilt by the constructor), the levers and rules (registered after the burn-in), the
#: results' collector; everything else the burn-in may have changed is stored
NOT_STATE = frozenset(
    {
        "residents",
        "professionals",
        "services",
        "datacollector",
        "burn_in_datacollector",  # stored as its data (``model_vars``) only
        "agent_datacollector",  # results years only, attached after the burn-in
        "agent_record_set",
        "rules",
        "hooks",
        "policy_levers",
        "costed_levers",
        "lever_cost_names",
        "lever_state",
        "params",
        "step",
    }
)


class CacheWarning(UserWarning):
    """A cache entry could not be used or kept; the run goes on without it."""


def folder() -> Path:
    """Where entries are kept (see the module docstring)."""
    if env := os.environ.get("COPROD_SIM_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "coprod-sim" / "burn-in"


def disabled() -> bool:
    """``COPROD_SIM_CACHE=off`` switches the cache off (every run computes its burn-in)."""
    return os.environ.get("COPROD_SIM_CACHE", "").strip().lower() in ("off", "0", "no", "false")


def max_bytes() -> int:
    try:
        mb = float(os.environ.get("COPROD_SIM_CACHE_MAX_MB", DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(max(mb, 0) * 2**20)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of every file of the package (code, data, templates) and the versions of what
    computes with it: any change to either makes every key new."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    for pkg in ("numpy", "numba", "mesa"):
        try:
            h.update(f"{pkg}={metadata.version(pkg)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{pkg}=?".encode())
    h.update(f"python={platform.python_version()} {platform.machine()}".encode())
    return h.hexdigest()


def key(model: Model, default_rules: bool, default_kinds: bool) -> str | None:
    """The entry's key for this model's burn-in, or None when it is not cached (replaced
    rules or kinds of need, or no burn-in)."""
    if not (default_rules and default_kinds) or model.burn_in_weeks == 0 or disabled():
        return None
    what = {
        "scenario": model.params.model_dump(mode="json"),
        "seed": int(model.seed),
        "n_residents": int(model.n_residents),
        "code": code_fingerprint(),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


class _Pickler(pickle.Pickler):
    """Pickles the town's state; references back to the model itself are stored by name."""

    def __init__(self, buf: io.BytesIO, model: Any) -> None:
        super().__init__(buf, protocol=pickle.HIGHEST_PROTOCOL)
        self._model = model

    def persistent_id(self, obj: Any) -> Any:
        return "model" if obj is self._model else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, buf: io.BytesIO, model: Any) -> None:
        super().__init__(buf)
        self._model = model

    def persistent_load(self, pid: Any) -> Any:
        if pid != "model":
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self._model


def _state(model: Model) -> dict[str, Any]:
    state = {k: v for k, v in vars(model).items() if k not in NOT_STATE and not _is_mesa(k)}
    state["__burn_in_model_vars__"] = model.burn_in_datacollector.model_vars
    return state


@lru_cache(maxsize=1)
def _mesa_names() -> frozenset[str]:
    """Attributes ``mesa.Model.__init__`` itself sets (Mesa's machinery, not the town)."""
    return frozenset(vars(mesa.Model(rng=0)))


def _is_mesa(name: str) -> bool:
    return name in _mesa_names()


def store(model: Model, entry_key: str) -> None:
    """Keep the burned-in state of ``model`` under ``entry_key``; a failure only warns."""
    where = folder()
    try:
        buf = io.BytesIO()
        _Pickler(buf, model).dump(_state(model))
        payload = buf.getvalue()
        digest = hashlib.sha256(payload).hexdigest().encode()
        where.mkdir(parents=True, exist_ok=True)
        path = where / f"{entry_key}.pkl"
        tmp = where / f".{entry_key}.{os.getpid()}.{secrets.token_hex(3)}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(FORMAT + digest + b"\n")
                fh.write(payload)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        _trim(where, keep=path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        warnings.warn(
            f"the burned-in town could not be cached in {where} ({type(exc).__name__}: {exc}); "
            "the run goes on, and the next one computes its burn-in again",
            CacheWarning,
            stacklevel=3,
        )


def restore(model: Model, entry_key: str) -> bool:
    """Put the stored burned-in state into ``model`` (built, not burned in); False if there
    is no usable entry (a damaged one is removed, with a warning)."""
    path = folder() / f"{entry_key}.pkl"
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    why = None
    head, _, rest = raw.partition(b"\n")
    digest, _, payload = rest.partition(b"\n")
    if head + b"\n" != FORMAT:
        why = "not a burn-in entry of this format"
    elif hashlib.sha256(payload).hexdigest().encode() != digest:
        why = "its contents do not match their checksum"
    state = None
    if why is None:
        try:
            state = _Unpickler(io.BytesIO(payload), model).load()
        except Exception as exc:  # noqa: BLE001 - any unreadable entry is rebuilt
            why = f"it cannot be read ({type(exc).__name__}: {exc})"
    if why is not None or not isinstance(state, dict):
        warnings.warn(
            f"burn-in cache entry {path} is damaged ({why or 'not a state'}); it is removed "
            "and the burn-in computed again",
            CacheWarning,
            stacklevel=3,
        )
        path.unlink(missing_ok=True)
        return False
    model.burn_in_datacollector.model_vars = state.pop("__burn_in_model_vars__")
    vars(model).update(state)
    try:
        os.utime(path)  # recently used: trimmed last
    except OSError:
        pass
    return True


def _trim(where: Path, keep: Path) -> None:
    """Remove the least recently used entries until the folder is under its cap."""
    entries = []
    for p in where.glob("*.pkl"):
        try:
            st = p.stat()
        except OSError:
            continue
        entries.append((st.st_mtime, st.st_size, p))
    total = sum(size for _, size, _ in entries)
    cap = max_bytes()
    for _, size, p in sorted(entries):
        if total <= cap:
            break
        if p == keep:
            continue
        p.unlink(missing_ok=True)
        total -= size


def describe() -> str:
    """One line for the README and ``--help``: where the cache is and its cap."""
    return f"{folder()} (at most {max_bytes() // 2**20} MB)"


if __name__ == "__main__":  # pragma: no cover - `python -m coprod_sim.state.burn_in_cache`
    print(describe(), file=sys.stdout)
