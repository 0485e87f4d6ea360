"""Regenerate docs/dashboard.png: the demo town after a year, panel B with a time bank
(and with ``--presenter-out``, the same in presenter mode on a 1280 x 720 screen; with
``--phone-out`` and ``--room-out``, a room voting: ``coprod-sim dashboard --room`` with three
simulated phones, the phone page of one of them at 390 x 844 and the facilitator's tally).

Starts ``coprod-sim dashboard`` on a free port, drives Debian's chromium (/usr/bin/chromium)
with Playwright (every request not to 127.0.0.1 is aborted and counted), and saves a
1500 x 2200 screenshot.

    .venv/bin/python experiments/dashboard_screenshot.py --out docs/dashboard.png \
        --presenter-out docs/dashboard_presenter.png --phone-out docs/dashboard_phone.png \
        --room-out docs/dashboard_room.png
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from coprod_sim.dashboard.offline import keep_offline
from coprod_sim.results_version import stamp_png

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    ap.add_argument(
        "--presenter-out", type=Path, default=None, help="also presenter mode at 1280 x 720"
    )
    ap.add_argument("--phone-out", type=Path, default=None, help="also a phone voting")
    ap.add_argument("--room-out", type=Path, default=None, help="also the facilitator's tally")
    a = ap.parse_args()
    blocked = main_screens(a)
    if a.phone_out is not None or a.room_out is not None:
        blocked += room_screens(a.phone_out, a.room_out)
    print(f"requests that tried to leave 127.0.0.1: {len(blocked)}")
    return 1 if blocked else 0


def start_dashboard(extra: list[str], log: Path | None) -> tuple[subprocess.Popen, str]:
    """``coprod-sim dashboard`` on a free loopback port (its output to ``log``, or dropped),
    once it answers: the process (its own session, to stop with ``os.killpg``) and its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with log.open("w") if log is not None else open(os.devnull, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coprod_sim", "dashboard", "--port", str(port), *extra],
            start_new_session=True, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    return proc, url


def room_screens(phone_out: Path | None, room_out: Path | None) -> list[str]:
    """Three phones vote in a room (two for one mix, one for another); shoot a phone's page
    and the facilitator's tally."""
    import re
    import tempfile

    from playwright.sync_api import expect, sync_playwright

    log = Path(tempfile.mkdtemp()) / "server.log"
    proc, url = start_dashboard(["--room"], log)
    blocked: list[str] = []
    try:
        code = re.search(r"room code: ([A-Z]+)", log.read_text()).group(1)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            fac = b.new_context(viewport={"width": 1500, "height": 1100}).new_page()
            fac.set_default_timeout(60_000)
            keep_offline(fac, blocked)
            fac.goto(url)
            fac.wait_for_selector(".room-code", timeout=120_000)
            votes = [
                ("time_bank", "personal_asks"),
                ("training",),
                ("time_bank", "personal_asks"),
            ]
            phones = []
            for mix in votes:
                phone = b.new_context(viewport={"width": 390, "height": 844}).new_page()
                phone.set_default_timeout(60_000)
                keep_offline(phone, blocked)
                phone.goto(url + "phone")
                phone.locator(".phone-code input").fill(code)
                phone.locator(".phone-join").click()
                phone.locator(".phone-propose").wait_for()
                for lever in mix:
                    phone.locator(f".phone-lever-{lever} label").click()
                    expect(phone.locator(f".phone-lever-{lever} input")).to_be_checked()
                phone.locator(".phone-propose").click()
                phone.get_by_text("Your vote: " + " + ".join(
                    sorted(x.replace("_", " ") for x in mix))).wait_for()  # fmt: skip
                phones.append(phone)
            phone = phones[1]  # the phone that voted for training: it sees both proposals
            phone.get_by_text("personal asks + time bank (2)").wait_for()
            phone.locator("h3").first.scroll_into_view_if_needed()
            time.sleep(1)
            if phone_out is not None:
                phone_out.parent.mkdir(parents=True, exist_ok=True)
                phone.screenshot(path=str(phone_out))
                stamp_png(phone_out)
            fac.wait_for_function(
                "() => document.querySelector('.room-tally')?.innerText.includes('training')"
            )
            time.sleep(1)
            if room_out is not None:
                room_out.parent.mkdir(parents=True, exist_ok=True)
                fac.locator(".room-panel").screenshot(path=str(room_out))
                stamp_png(room_out)
            b.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
    print(f"wrote {phone_out or ''} {room_out or ''}")
    return blocked


def main_screens(a: argparse.Namespace) -> list[str]:
    """The facilitator's page (and presenter mode) after a year, panel B with a time bank."""
    from playwright.sync_api import sync_playwright

    proc, url = start_dashboard([], None)
    blocked: list[str] = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = b.new_page(viewport={"width": 1500, "height": 2200})
            page.set_default_timeout(60_000)
            keep_offline(page, blocked)
            page.goto(url)
            page.wait_for_selector(".week-status", timeout=120_000)
            page.locator(".panel-B").get_by_text("Policy levers").click()
            page.locator(".lever-1-time_bank").get_by_text("Time bank", exact=True).click()
            page.locator(".panel-B").get_by_text("time bank from the start").wait_for()
            page.locator(".panel-B").get_by_text("Policy levers").click()  # fold the list
            page.locator(".step-year").click()
            page.wait_for_function(
                "() => document.querySelector('.week-status')?.innerText.startsWith('Week 52 of')"
            )
            page.locator(".top-purse canvas").first.wait_for()
            time.sleep(3)  # the charts draw
            page.locator("h2").first.scroll_into_view_if_needed()
            a.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(a.out))
            stamp_png(a.out)  # the figure records the results version that drew it
            if a.presenter_out is not None:  # presenter mode on a 1280 x 720 projector
                page.set_viewport_size({"width": 1280, "height": 720})
                page.locator(".presenter").click()
                page.locator(".in-words-B").wait_for()
                page.locator(".play").scroll_into_view_if_needed()
                time.sleep(3)
                page.screenshot(path=str(a.presenter_out))
                stamp_png(a.presenter_out)
            b.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
    print(f"wrote {a.out} {a.presenter_out or ''}")
    return blocked


if __name__ == "__main__":
    raise SystemExit(main())
