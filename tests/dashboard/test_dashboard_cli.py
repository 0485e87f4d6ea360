"""``coprod-sim dashboard``: the address it prints, loopback by default, a warning when wider."""

from __future__ import annotations

from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.dashboard import cli as dash_cli


def run(monkeypatch, *args: str):
    calls = []
    monkeypatch.setattr(dash_cli.os, "execve", lambda *a: calls.append(a))
    result = CliRunner().invoke(app, ["dashboard", *args])
    return result, calls


def test_defaults_to_loopback_offline_production(monkeypatch):
    result, calls = run(monkeypatch)
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8765" in result.output
    assert "warning" not in result.output
    ((exe, cmd, env),) = calls
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8765"
    assert {"--production", "--no-check-version", "--no-open"} <= set(cmd)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"


def test_wider_host_warns(monkeypatch):
    result, calls = run(monkeypatch, "--host", "0.0.0.0", "--port", "9000")
    assert "http://0.0.0.0:9000" in result.output
    assert "warning: listening on 0.0.0.0" in result.output
    assert calls


def test_bad_port_exits_2(monkeypatch):
    result, calls = run(monkeypatch, "--port", "70000")
    assert result.exit_code == 2 and "parameter 'port'" in result.output and not calls


def test_loopback_names():
    assert dash_cli.is_loopback("127.0.0.1") and dash_cli.is_loopback("::1")
    assert dash_cli.is_loopback("localhost") and not dash_cli.is_loopback("0.0.0.0")
