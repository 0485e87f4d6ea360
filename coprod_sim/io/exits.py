"""How a command ends: its exit code, and the one line it prints when it cannot go on.

Every command (``run``, ``sweep``, ``calibrate``, ``optimise``, ...) fails the same way: one
line on stderr, ``coprod-sim: error: <what>``, and a code a script can test: 1 the run failed,
2 bad input (the line names the parameter, the value and what is allowed), 130 interrupted.
"""

from __future__ import annotations

import typer

from coprod_sim.io.runtime import INTERRUPT_REPORTED

EXIT_RUN_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print the one line and return the exit to raise (an interrupt is then reported once)."""
    typer.echo(f"coprod-sim: error: {message}", err=True)
    if code == EXIT_INTERRUPTED:
        INTERRUPT_REPORTED.set()
    return typer.Exit(code)


def connect_scheduler(address: str) -> tuple[object, object, int]:
    """A dask client for a scheduler address, its executor and its number of workers (a bad
    or unreachable address exits 2). Used by ``sweep``, ``optimise`` and ``calibrate``."""
    if not address.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
        raise fail(f"--scheduler: value {address!r} is not allowed; allowed: tcp://HOST:PORT")
    try:
        # dask's distributed only for --scheduler
        from distributed import Client

        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise fail(
            f"--scheduler: cannot reach {address} ({exc}); allowed: the address of a running "
            "dask scheduler (dask scheduler --port PORT)"
        ) from None
    n = len(client.scheduler_info().get("workers", {})) or 1
    return client, client.get_executor(), n
