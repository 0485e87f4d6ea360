"""``coprod-sim`` and ``python -m coprod_sim``: the command line's entry point.

This module imports nothing heavy itself: the command line (typer, NumPy, numba, Mesa) is
imported inside ``main``, so a Ctrl-C at any moment of start-up, import included, exits with
code 130 and one line instead of Python's traceback.
"""

from __future__ import annotations

import sys

from coprod_sim.io.runtime import is_interrupt  # standard library only

EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> None:
    """Import the command line and run it; Ctrl-C during the import exits 130, one line."""
    try:
        # imported here, inside the try: a Ctrl-C while the command line imports exits 130
        from coprod_sim.io.cli import main as cli_main
    except BaseException as exc:  # noqa: BLE001 - never a traceback for the user
        if is_interrupt(exc):
            print("coprod-sim: interrupted", file=sys.stderr)
            sys.exit(EXIT_INTERRUPTED)
        raise
    cli_main(argv)


if __name__ == "__main__":
    main()
