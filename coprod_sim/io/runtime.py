"""What a run needs from the machine: memory, compiled code, and a clean stop on Ctrl-C.

- ``estimate_memory`` / ``available_memory``: a run that would not fit in this machine's memory
  is refused before anything is built, with the estimate (bytes per resident measured from
  real runs, see ``BYTES_PER_RESIDENT``).
- ``needs_compiling``: whether numba's on-disk cache holds the compiled passes, so the command
  line can say "compiling, once per machine" instead of showing a progress bar with an absurd
  estimate of the time left.
- ``StopOnInterrupt``: Ctrl-C sets a flag checked between weeks instead of raising inside a
  compiled pass, where numba's dispatcher can turn the ``KeyboardInterrupt`` into a
  ``SystemError``; ``is_interrupt`` recognises such a wrapped interrupt all the same.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

#: Peak resident memory of a Python process with the model imported (measured: 263-270 MiB
#: for a 2,000-resident town, 2026-11-29, ``benchmarks/bench_memory.py``).
BASE_BYTES = 300 * 2**20
#: Peak memory per resident of one model, measured from real runs: 0.74 KiB per resident at
#: 100,000 and 400,000 residents over 104 weeks, with or without levers; 860 bytes for Reading
#: with all 13 levers over 10 years (``benchmarks/bench_memory.py``; it grows by less than 1%
#: after year 2); about 1.0 KiB at 1,000,000 residents with all levers over 520 weeks (1.26 GiB
#: peak, benchmarks/README.md). Rounded up to leave a margin.
BYTES_PER_RESIDENT = 1_200


def estimate_memory(n_residents: int, models: int = 1) -> int:
    """Bytes a run of ``models`` towns of ``n_residents`` each (kept side by side) needs."""
    return BASE_BYTES + models * n_residents * BYTES_PER_RESIDENT


def available_memory() -> int | None:
    """Bytes this machine can give a new run now (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


# ------------------------------------------------------------------ compiled passes
def _dispatchers() -> list[Any]:
    """Every cached compiled function of the package: the rules, the passes that call them,
    and the compiled bookkeeping helpers."""
    # imported when asked: the entry point imports this module (Ctrl-C handling) before anything
    # heavy, so it stays standard library only; only ``needs_compiling`` needs numba and the
    # compiled passes (these imports load numba and the whole model)
    from numba.core.registry import CPUDispatcher

    from coprod_sim.mechanisms import channels, commitment, decision, needs, outcomes, trust
    from coprod_sim.rules import CompiledPass
    from coprod_sim.state import arrays, network

    found = []
    for m in (channels, commitment, decision, needs, outcomes, trust, arrays, network):
        for v in vars(m).values():
            if isinstance(v, CompiledPass):
                found.append(v.compiled)
            elif isinstance(v, CPUDispatcher):
                found.append(v)
    return found


def needs_compiling() -> bool | None:
    """True if a compiled pass has no valid entry in numba's cache (the first run on a machine,
    or after the code changed); None if that cannot be told."""
    try:
        for d in _dispatchers():
            cache = getattr(d, "_cache", None)
            cache_file = getattr(cache, "_cache_file", None)
            if cache_file is None:
                return None
            if d.signatures:  # already compiled or loaded in this process
                continue
            if not cache_file._load_index():  # {} when missing or stale (source changed)
                return True
        return False
    except Exception:  # noqa: BLE001 - numba internals: when unsure, say nothing
        return None


# ------------------------------------------------------------------ Ctrl-C
#: set once a command has told the user about a Ctrl-C in its own line (``_fail`` with 130), so
#: the entry point adds its line only when nothing did (typer exits 130 silently)
INTERRUPT_REPORTED = threading.Event()


def is_interrupt(exc: BaseException | None) -> bool:
    """True for a KeyboardInterrupt, or an error caused by one (numba's dispatcher reports an
    interrupt inside a compiled pass as ``SystemError: CPUDispatcher(...) returned a result
    with an exception set``, whose cause is the interrupt)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class StopOnInterrupt:
    """Within ``with``: the first Ctrl-C (SIGINT) asks the run to stop at the end of the week
    (``check()`` raises KeyboardInterrupt then); a second one stops at once.

    Only the main thread can install a signal handler; elsewhere this does nothing and Ctrl-C
    behaves as usual (``is_interrupt`` still recognises it).

    An interrupt raised "at once" can land in a finaliser (llvmlite's ``ObjectRef.__del__``
    while numba compiles), where Python cannot raise it: it prints "Exception ignored ...
    Traceback" and carries on. Within ``with``, such an ignored interrupt is dropped silently
    (``sys.unraisablehook``): the request is recorded, and the next ``check()`` stops the run.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False
        self._immediate = False

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.requested or self._immediate:
            self.requested = True
            raise KeyboardInterrupt
        self.requested = True

    @contextmanager
    def at_once(self) -> Iterator[None]:
        """Within: Ctrl-C stops at once (building a town and its burn-in, which yield no
        results to keep, need not wait for the end of a week)."""
        self._immediate = True
        try:
            self.check()
            yield
        finally:
            self._immediate = False

    def _unraisable(self, info: Any) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt):
            self.requested = True
            return
        self._previous_hook(info)

    def __enter__(self) -> StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
            self._previous_hook = sys.unraisablehook
            sys.unraisablehook = self._unraisable
            self._installed = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            sys.unraisablehook = self._previous_hook
            self._installed = False

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed since the run began."""
        if self.requested:
            raise KeyboardInterrupt
