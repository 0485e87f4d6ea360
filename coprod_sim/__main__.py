"""``coprod-sim`` and ``python -m coprod_sim``: the command line's entry point.

This module imports nothing heavy itself: the command line (typer, NumPy, numba, Mesa) is
imported inside ``main``, so a Ctrl-C at any moment of start-up, import included, exits with
code 130 and one line instead of Python's traceback.

During the import a Ctrl-C ends the process from the signal handler itself (``os._exit``):
nothing has been computed or written yet, and a ``KeyboardInterrupt`` raised in the middle of
third-party imports is not reliable. It can land in a weakref callback, where Python prints
"Exception ignored" and carries on (the run then never stops), or leave CPython's "unhandled
interrupt" flag set, so the process dies of SIGINT (-2) after printing our line (both seen in
about 1 start in 20 with a Ctrl-C 0.1-0.25 s after launch).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from coprod_sim.io.runtime import is_interrupt  # standard library only

EXIT_INTERRUPTED = 130


def _exit_interrupted(signum: int, frame: FrameType | None) -> None:
    """SIGINT during the import: one line, exit 130, at once."""
    os.write(2, b"coprod-sim: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


def main(argv: list[str] | None = None) -> None:
    """Import the command line and run it; Ctrl-C during the import exits 130, one line."""
    previous = signal.signal(signal.SIGINT, _exit_interrupted)
    try:
        # imported here, with the handler above in place: a Ctrl-C while it imports exits 130
        from coprod_sim.commands.cli import main as cli_main
    except BaseException as exc:  # noqa: BLE001 - never a traceback for the user
        if is_interrupt(exc):
            print("coprod-sim: interrupted", file=sys.stderr)
            sys.exit(EXIT_INTERRUPTED)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    cli_main(argv)


if __name__ == "__main__":
    main()
