"""``coprod-sim dashboard``: serve the workshop dashboard with Solara, offline.

Listens on 127.0.0.1 unless told otherwise (a workshop laptop should not offer the page to the
venue's network by accident) and warns when told to listen wider. Every script, font and style
comes from the installed ``solara-assets`` package; Solara's usage statistics and its check for
a newer version (both requests to outside sites) are switched off.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Annotated

import typer

from coprod_sim.dashboard.room import MAX_PARTICIPANTS, ROOM_ENV, ROOM_URL_ENV, new_code

APP = "coprod_sim.dashboard.app"
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line (production mode, no browser, no version check)."""
    return [
        sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


def server_env(room: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the server: no usage statistics sent anywhere; the room's code and
    phone address when ``--room`` (``room.ROOM_ENV``, ``room.ROOM_URL_ENV``)."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    # no "This website runs on Solara" banner: on a phone it covers the page's last button
    env["SOLARA_THEME_SHOW_BANNER"] = "false"
    env.pop(ROOM_ENV, None)
    env.pop(ROOM_URL_ENV, None)
    env.update(room or {})
    return env


def phone_address(host: str, port: int) -> str:
    """The address phones open: this machine's address on the network when listening on all
    of them (0.0.0.0 or ::; found by routing a UDP socket, which sends nothing)."""
    shown = host
    if host in ("0.0.0.0", "::", ""):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("10.254.254.254", 1))
                shown = s.getsockname()[0]
        except OSError:
            shown = "this-computer's-address"
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/phone"


def dashboard(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 shares it with the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (1-65535).")] = 8765,
    room: Annotated[
        bool,
        typer.Option(
            "--room",
            help="Let the room vote on panel B's levers from their phones: shows a short code "
            "and the phones' page (/phone); phones need --host 0.0.0.0 to reach it.",
        ),
    ] = False,
) -> None:
    """Start the workshop dashboard (two futures of one town side by side) in the browser."""
    if not 1 <= port <= 65535:
        typer.echo(
            f"coprod-sim: error: parameter 'port': value {port} is not allowed; "
            "allowed: a whole number from 1 to 65535",
            err=True,
        )
        raise typer.Exit(2)
    if not host.strip():
        typer.echo(
            "coprod-sim: error: parameter 'host': value '' is not allowed; allowed: an address "
            "such as 127.0.0.1",
            err=True,
        )
        raise typer.Exit(2)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"coprod-sim dashboard: http://{shown}:{port}  (Ctrl+C stops it)")
    if not is_loopback(host):
        typer.echo(
            f"coprod-sim: warning: listening on {host}, not only on this computer: anyone who "
            f"can reach this machine on port {port} can open the dashboard and run models on it",
            err=True,
        )
    room_env = None
    if room:
        code = new_code()
        phones = phone_address(host, port)
        room_env = {ROOM_ENV: code, ROOM_URL_ENV: phones}
        typer.echo(f"room code: {code}  phones open {phones} (at most {MAX_PARTICIPANTS})")
        if is_loopback(host):
            typer.echo(
                f"coprod-sim: warning: listening on {host} only: phones cannot reach it; "
                "start with --host 0.0.0.0 to let phones on this network join",
                err=True,
            )
    sys.stdout.flush()
    sys.stderr.flush()
    # the server replaces this process, so Ctrl+C and a kill by PID reach it directly
    cmd = server_command(host, port)
    os.execve(cmd[0], cmd, server_env(room_env))
