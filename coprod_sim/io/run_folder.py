"""The output folder of a run: refused when it holds something else, filled only when complete.

A run writes into a temporary sibling folder (``.<name>.running-<pid>-<random>`` beside the
chosen folder) and the folder appears under its chosen name only when every file is written, in
one rename. So a reader of ``results/demo/`` sees a complete run or nothing; two runs never mix
in one folder; and a run that fails or is interrupted keeps what it computed in a folder whose
name says so (``results/demo.failed-<time>/``, ``results/demo.interrupted-<time>/``), with
``scenario.json`` recording the status, instead of beside an earlier run's files.

A chosen folder that already holds a run (it has a ``scenario.json``) is refused unless the user
asks for ``overwrite``, which replaces it whole (after the new run is complete). A folder that
holds anything else is refused even then: ``--overwrite`` never deletes files that a run did not
write. Every file goes through ``RunFolder.path``, which refuses names that would leave the
folder.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coprod_sim.parameters import ScenarioError

RECORD = "scenario.json"
STATUSES: tuple[str, ...] = ("running", "complete", "failed", "interrupted")


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write through a temporary file in the same folder, flush it to disk, then rename.

    A crash leaves either the old file or the new one, never half a file; the temporary name
    starts with a dot and ends in ``.tmp`` so no reader takes it for a result.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: dict[str, Any]) -> None:
    """A JSON file written atomically (UTF-8, indented, one trailing newline)."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def read_record(folder: Path) -> dict[str, Any] | None:
    """The ``scenario.json`` of a folder, or None if it has none or it is not a JSON object."""
    try:
        data = json.loads((Path(folder) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _bad_out(value: Any, why: str, allowed: str = "a new or empty folder you can write to") -> str:
    return f"parameter 'out': value {str(value)!r} is not allowed ({why}); allowed: {allowed}"


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output folder before anything runs (ScenarioError naming the folder and why).

    Allowed: a folder that does not exist yet (its parent is created), an empty folder, or,
    with ``overwrite``, a folder holding an earlier run (it has a ``scenario.json``) and nothing
    a run does not write.
    """
    text = str(out)
    if not text.strip():
        raise ScenarioError(_bad_out(text, "empty", "a folder path"))
    resolved = Path(os.path.abspath(out))
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor) or cwd.is_relative_to(resolved.resolve()):
        raise ScenarioError(
            _bad_out(text, "it is the current folder, one above it, or the root", "a sub-folder")
        )
    if resolved.exists() or resolved.is_symlink():
        if not resolved.is_dir():
            raise ScenarioError(_bad_out(text, "it exists and is not a folder"))
        entries = sorted(p.name for p in resolved.iterdir())
        if entries:
            record = read_record(resolved)
            if record is None:
                shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
                raise ScenarioError(
                    _bad_out(
                        text,
                        f"it is not empty and holds no run ({shown}); --overwrite replaces only "
                        "a folder that holds an earlier run",
                    )
                )
            if not overwrite:
                raise ScenarioError(
                    _bad_out(
                        text,
                        f"it holds another run (status {record.get('status', '?')!r}, "
                        f"seed {record.get('seed', '?')})",
                        "a new or empty folder, or --overwrite to replace that run whole",
                    )
                )
        if not os.access(resolved, os.W_OK | os.X_OK):
            raise ScenarioError(_bad_out(text, "it cannot be written to"))
    parent = _first_existing(resolved.parent)
    if not parent.is_dir():
        raise ScenarioError(_bad_out(text, f"'{parent}' is not a folder"))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ScenarioError(
            _bad_out(text, f"folder '{parent}' cannot be written to (permission denied)")
        )


def _first_existing(p: Path) -> Path:
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


class RunFolder:
    """A run's output folder, written in a temporary sibling and renamed when complete.

    ``with RunFolder(out, overwrite) as f:`` creates the temporary folder; ``f.path(name)`` is
    where a file goes; ``f.complete()`` moves it into place (replacing an earlier run if
    ``overwrite``); ``f.abandon(status)`` keeps it as ``<out>.<status>-<time>`` and returns that
    path. Leaving the ``with`` block without either abandons it as "failed".
    """

    def __init__(self, out: Path, overwrite: bool = False) -> None:
        check_out(out, overwrite)
        self.out = Path(os.path.abspath(out))
        self.overwrite = overwrite
        self.work = (
            self.out.parent / f".{self.out.name}.running-{os.getpid()}-{secrets.token_hex(3)}"
        )
        self.final: Path | None = None

    def __enter__(self) -> RunFolder:
        return self.open()

    def open(self) -> RunFolder:
        """Create the temporary folder (ScenarioError naming the folder if it cannot be)."""
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.work.mkdir()
        except OSError as exc:
            raise ScenarioError(
                _bad_out(self.out, f"it cannot be created: {exc.strerror or exc}")
            ) from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.final is None and self.work.exists():
            self.abandon("failed")

    def path(self, name: str | Path) -> Path:
        """Where file ``name`` (relative, e.g. ``baseline/weekly.parquet``) goes; never outside."""
        rel = Path(name)
        target = (self.work / rel).resolve()
        if rel.is_absolute() or not target.is_relative_to(self.work.resolve()):
            raise ValueError(f"output file {str(name)!r} would be written outside {self.out}")
        target.parent.mkdir(parents=True, exist_ok=True)
        return self.work / rel

    def record(self, data: dict[str, Any]) -> None:
        """Write ``scenario.json`` (atomically)."""
        write_json(self.path(RECORD), data)

    def complete(self) -> Path:
        """Move the finished run into place; an earlier run there is replaced whole."""
        old = None
        if self.out.exists():
            entries = list(self.out.iterdir())
            if entries:  # checked before the run: an earlier run, and overwrite was given
                if not self.overwrite or read_record(self.out) is None:
                    raise ScenarioError(
                        _bad_out(self.out, "something was written there while the run went on")
                    )
                old = self.out.parent / f".{self.out.name}.replaced-{secrets.token_hex(3)}"
                os.replace(self.out, old)
            else:
                self.out.rmdir()
        try:
            os.replace(self.work, self.out)
        except OSError:
            if old is not None:  # put the earlier run back: never lose a complete run
                os.replace(old, self.out)
            raise
        self.final = self.out
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.out

    def abandon(self, status: str) -> Path:
        """Keep a failed or interrupted run's folder beside the chosen one; returns its path."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = self.out.parent / f"{self.out.name}.{status}-{stamp}"
        n = 1
        while target.exists():
            n += 1
            target = self.out.parent / f"{self.out.name}.{status}-{stamp}-{n}"
        os.replace(self.work, target)
        self.final = target
        return target
