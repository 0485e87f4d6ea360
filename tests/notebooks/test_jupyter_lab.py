"""``jupyter lab notebooks/`` works after the README's setup, and runs the venv's Python.

JupyterLab is in the ``dev`` extra. The server is started headless on 127.0.0.1 at a free port
with its own token and runtime folder, asked for its status, the Lab page, the notebooks and
the ``python3`` kernel it would start, then stopped by its process id.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a JupyterLab server

ROOT = Path(__file__).resolve().parents[2]
JUPYTER = Path(sys.executable).parent / "jupyter"
STARTUP_SECONDS = 90  # a loaded 2-core host; it answers in a few seconds when quiet


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    assert JUPYTER.exists(), (
        f"{JUPYTER} is missing: install the dev extra (pip install -e '.[dev]')"
    )
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("jupyter")
    env = os.environ | {
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # no user configuration
    }
    cmd = [
        str(JUPYTER), "lab", "notebooks/", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--port-retries=0", f"--IdentityProvider.token={token}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses root unless told
        cmd.append("--allow-root")
    log = open(home / "lab.log", "w+b")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert proc.poll() is None, f"jupyter lab exited: {(home / 'lab.log').read_text()}"
            try:
                status, _ = get(f"{base}/api/status?token={token}")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, (home / "lab.log").read_text()
            time.sleep(0.3)
        yield base, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group only
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.mark.slow
def test_lab_page_answers(lab) -> None:
    base, token = lab
    status, body = get(f"{base}/lab?token={token}")
    assert status == 200
    assert b"JupyterLab" in body


def test_lab_opens_in_the_notebooks_folder(lab) -> None:
    base, token = lab
    status, body = get(f"{base}/api/contents?token={token}")
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    assert "01_first_town.ipynb" in names and "05_sensitivity.ipynb" in names


def test_lab_offers_the_python3_kernel(lab) -> None:
    base, token = lab
    status, body = get(f"{base}/api/kernelspecs?token={token}")
    assert status == 200
    specs = json.loads(body)
    assert specs["default"] == "python3"
    assert "python3" in specs["kernelspecs"]


def test_python3_kernel_is_this_venvs_python() -> None:
    """The notebooks' kernel (and nbmake's) runs the Python of the venv that runs the tests,
    where coprod_sim is installed."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        out: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])

        kc.execute_interactive(
            "import sys, coprod_sim; print(sys.executable)", output_hook=hook, timeout=60
        )
        assert Path("".join(out).strip()).resolve() == Path(sys.executable).resolve()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
