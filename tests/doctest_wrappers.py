"""Stand-ins for ``.venv/bin/coprod-sim``, ``python`` and ``jupyter`` used by tests/test_docs.py.

Only the doc-test uses this module: it is run as ``python tests/doctest_wrappers.py NAME ARGS``
from small scripts the harness writes into a temporary bin folder. Each stand-in runs the real
command, reduced where the command as written would take minutes (a full-size town, a fit, a
server), and appends one line per reduction to the file named by ``COPROD_SIM_DOCTEST`` (set by
the harness; nothing in the package reads it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

SMALL_SCALE = {"darlington": "0.02", "reading": "0.0125"}  # about 2,000 residents


def log(args: list[str], how: str) -> None:
    with open(os.environ["COPROD_SIM_DOCTEST"], "a") as f:
        f.write(f"{' '.join(args)}  ->  {how}\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_and_stop(cmd: list[str], url: str, env: dict | None = None, timeout: float = 120) -> int:
    """Start a server, wait for HTTP 200 from ``url``, stop it by its process group."""
    proc = subprocess.Popen(cmd, start_new_session=True, env=env, stdout=sys.stderr)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                print(f"server exited with code {proc.returncode}", file=sys.stderr)
                return 1
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return 0
            except OSError:
                pass
            time.sleep(0.3)
        print(f"no HTTP 200 from {url} within {timeout} s", file=sys.stderr)
        return 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{k}" = {toml_value(x)}' for k, x in v.items()) + " }"
    raise TypeError(type(v))


def dump_toml(d: dict, prefix: str = "") -> str:
    """A minimal TOML writer for design files (tables, arrays of tables, inline values)."""
    out = [f'"{k}" = {toml_value(v)}' for k, v in d.items() if not _is_table(v)]
    for k, v in d.items():
        name = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and _is_table(v):
            out.append(f"\n[{name}]\n" + dump_toml(v, name))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out += [f"\n[[{name}]]\n" + dump_toml(x, name) for x in v]
    return "\n".join(out)


def _is_table(v) -> bool:
    return (isinstance(v, dict) and bool(v)) or (
        isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)
    )


def reduced_design(path: Path) -> tuple[Path, str]:
    """A copy of a design with 2 replications, 26 weeks, no burn-in, about 1,000 residents."""
    d = tomllib.loads(path.read_text())
    sw = d.setdefault("sweep", {})
    sw["replications"] = min(int(sw.get("replications", 2)), 2)
    sw.pop("years", None)
    sw["weeks"] = 26
    sw["burn_in_weeks"] = 0
    sw.pop("adaptive", None)
    world = d.setdefault("world", {})
    world["burn_in_years"] = 0
    town = world.get("town", "demo")
    world["scale"] = {"demo": 0.5}.get(town, float(SMALL_SCALE.get(town, "0.02")) / 2)
    design = d.get("design", {})
    if design.get("kind") == "sobol":
        design["samples"] = 2
    out = path.with_name(path.stem + ".doctest.toml")
    out.write_text(dump_toml(d) + "\n")
    how = (
        f"ran {out.name}: replications 2, 26 weeks, burn-in 0, scale {world['scale']} "
        f"({town}), Sobol N 2 if Sobol"
    )
    return out, how


def coprod_sim(args: list[str]) -> int:
    py = [sys.executable, "-m", "coprod_sim"]
    cmd = list(args)
    verb = args[0] if args else ""
    if verb == "run":
        town = next((args[i + 1] for i, a in enumerate(args) if a == "--town"), None)
        files = [a for a in args[1:] if a.endswith(".toml")]
        if files and town is None:
            town = tomllib.loads(Path(files[0]).read_text()).get("town", "demo")
        if town in SMALL_SCALE:
            cmd += ["--scale", SMALL_SCALE[town], "--set", "burn_in_years=1"]
            log(
                ["coprod-sim", *args], f"appended --scale {SMALL_SCALE[town]} --set burn_in_years=1"
            )
    elif verb == "calibrate":
        if "history-matching" in args:  # one smallest wave, then a final stage that accepts
            extra = ["--scale", "0.003", "--population-size", "5", "--waves", "1",
                     "--wave-size", "55", "--epsilon", "100", "--max-simulations", "200",
                     "--workers", "1"]  # fmt: skip
        else:
            extra = ["--scale", "0.003", "--population-size", "5", "--generations", "1",
                     "--max-simulations", "200", "--workers", "1"]  # fmt: skip
        cmd += extra
        log(["coprod-sim", *args], "appended " + " ".join(extra))
    elif verb == "sweep":
        if "--scheduler" in args:
            i = args.index("--scheduler")
            cmd = cmd[:i] + cmd[i + 2 :] + ["--dry-run"]
            log(["coprod-sim", *args], "no cluster here: --scheduler dropped, --dry-run added")
        else:
            design, how = reduced_design(Path(args[1]))
            cmd[1] = str(design)
            log(["coprod-sim", *args], how)
    elif verb == "dashboard":
        port = free_port()
        log(["coprod-sim", *args], f"served on port {port} until HTTP 200, then stopped")
        return serve_and_stop(py + cmd + ["--port", str(port)], f"http://127.0.0.1:{port}/")
    return subprocess.call(py + cmd)


def python(args: list[str]) -> int:
    if args and args[0].endswith("experiments/calibration/report.py"):
        extra = ["--towns", "demo", "--draws", "2", "--full-size-draws", "0", "--lever-reps", "2",
                 "--check-draws", "2"]  # fmt: skip
        log(["python", *args], "appended " + " ".join(extra))
        args = args + extra
    return subprocess.call([sys.executable, *args])


def jupyter(args: list[str]) -> int:
    if args[:1] == ["lab"]:
        port = free_port()
        cmd = [sys.executable, "-m", "jupyterlab", *args[1:], "--no-browser", "--port", str(port),
               "--ServerApp.token=", "--allow-root"]  # fmt: skip
        log(["jupyter", *args], f"served on port {port} until HTTP 200 from /lab, then stopped")
        return serve_and_stop(cmd, f"http://127.0.0.1:{port}/lab")
    return subprocess.call([sys.executable, "-m", "jupyter", *args])


def solara(args: list[str]) -> int:
    cmd = [sys.executable, "-m", "solara", *args]
    if args[:1] == ["run"]:
        port = free_port()
        if "--port" in cmd:
            cmd[cmd.index("--port") + 1] = str(port)
        else:
            cmd += ["--port", str(port)]
        log(["solara", *args], f"served on port {port} until HTTP 200, then stopped")
        return serve_and_stop(cmd, f"http://127.0.0.1:{port}/")
    return subprocess.call(cmd)


STANDINS = {"coprod-sim": coprod_sim, "python": python, "jupyter": jupyter, "solara": solara}

if __name__ == "__main__":
    raise SystemExit(STANDINS[sys.argv[1]](sys.argv[2:]))
