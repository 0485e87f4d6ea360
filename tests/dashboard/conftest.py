"""The dashboard served in a subprocess on a free port, and Debian's chromium driven by Playwright.

Every request that does not go to 127.0.0.1 is aborted and counted: the dashboard must work on a
laptop with no internet. Browser tests are skipped (with the reason) where /usr/bin/chromium is
missing; ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _server import free_port, wait_for_http

from coprod_sim.dashboard.offline import keep_offline

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _serve(tmp_path_factory, *extra: str) -> Iterator[tuple[str, Path]]:
    """``coprod-sim dashboard [extra]`` on a free port; yields its address and its log;
    ended by its PID."""
    port = free_port()
    path = tmp_path_factory.mktemp("dashboard") / "server.log"
    log = path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "coprod_sim", "dashboard", "--port", str(port), *extra],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        yield url, path
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """``coprod-sim dashboard`` on a free port; yields its address."""
    for url, _ in _serve(tmp_path_factory):
        yield url


@pytest.fixture(scope="module")
def room_server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """``coprod-sim dashboard --room`` on a free port; yields its address and the room code."""
    for url, log in _serve(tmp_path_factory, "--room"):
        m = re.search(r"room code: ([A-Z]+)", log.read_text())
        assert m, log.read_text()
        yield url, m.group(1)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (.ci/run installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Blocked(list):
    """Requests that tried to leave 127.0.0.1 (aborted)."""


@pytest.fixture
def open_page(browser, server):
    """Open the dashboard in a fresh browser session; yields a function returning (page,
    blocked requests). Each call is a new session (its own cookies: its own models)."""
    contexts = []

    def opener(viewport=(1500, 1100)):
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        blocked = keep_offline(page, Blocked())
        page.goto(server)
        page.wait_for_selector(".week-status", timeout=120_000)  # a cold machine compiles first
        return page, blocked

    yield opener
    for ctx in contexts:
        ctx.close()
