"""The dashboard in a real browser (Debian's chromium), offline: every request that leaves
127.0.0.1 is aborted and counted, and must be none."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # a server and a browser


def week_text(page) -> str:
    return page.locator(".week-status").inner_text()


def wait_week(page, week: int) -> None:
    page.wait_for_function(
        "w => document.querySelector('.week-status')?.innerText.startsWith('Week ' + w + ' of')",
        arg=week,
        timeout=60_000,
    )


def strip(page, week: int, label: str = "B") -> dict[str, tuple[str, str, str]]:
    """The difference strip at ``week`` as {outcome: (A, B, B minus A)}."""
    page.locator(f".diff-{label}").get_by_text(f"panel A, at week {week}").wait_for()
    rows = page.locator(f".diff-{label} table tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = [c.inner_text().strip() for c in rows.nth(i).locator("td").all()]
        out[cells[0]] = tuple(cells[1:4])
    return out


def switch_lever(page, panel: int, label: str, lever: str, title: str) -> None:
    card = page.locator(f".panel-{label}")
    box = page.locator(f".lever-{panel}-{lever}")
    if not box.is_visible():
        card.get_by_text("Policy levers").click()
    box.get_by_text(title, exact=True).click()


def shared_weeks(page, label: str = "B") -> str:
    return page.locator(f".history-{label}").inner_text()


def no_traceback(page) -> None:
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and 'File "' not in text


def test_lever_in_b_changes_b_not_a(open_page, tmp_path):
    page, blocked = open_page()
    assert blocked == [], f"requests left 127.0.0.1: {blocked}"
    # a year with no lever anywhere: both panels identical (same town, same seed)
    page.locator(".step-year").click()
    wait_week(page, 52)
    before = strip(page, 52)
    assert all(d == "no change" for _, _, d in before.values()), before
    assert "identical in every week so far (1-52)" in shared_weeks(page)
    a_before = {k: v[0] for k, v in before.items()}

    page.locator(".reset").click()
    wait_week(page, 0)
    switch_lever(page, 1, "B", "time_bank", "Time bank")
    page.locator(".panel-B").get_by_text("time bank from the start").wait_for()
    page.locator(".step-year").click()
    wait_week(page, 52)
    after = strip(page, 52)
    assert {k: v[0] for k, v in after.items()} == a_before  # panel A is untouched
    changed = [k for k, (a, b, _) in after.items() if a != b]
    assert len(changed) >= 3, after  # panel B's figures moved
    assert "panel A is" not in page.locator(".plan-A").inner_text()
    assert page.locator(".plan-A").inner_text() == "Levers: no lever"
    page.locator(".panel-B").get_by_text("Policy levers").click()  # fold the lever list
    page.get_by_text("More charts").click()
    page.set_viewport_size({"width": 1500, "height": 2200})
    page.locator(".chart-cost_cum").wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "two_panels.png"))  # look at it: pytest's tmp folder
    no_traceback(page)
    assert blocked == [], f"requests left 127.0.0.1: {blocked}"


def test_branch_keeps_shared_history(open_page):
    page, blocked = open_page()
    page.locator(".step-year").click()
    wait_week(page, 52)
    page.locator(".branch-B").click()
    page.locator(".panel-B").get_by_text("copy of A at week 52").wait_for()
    switch_lever(page, 1, "B", "time_bank", "Time bank")
    page.locator(".panel-B").get_by_text("time bank on from week 52").wait_for()
    page.locator(".step-year").click()
    wait_week(page, 104)
    rows = strip(page, 104)
    text = shared_weeks(page)
    m = re.search(r"share their history for weeks 1-(\d+)", text)
    assert m, text
    assert 52 <= int(m.group(1)) < 104
    assert any(a != b for a, b, _ in rows.values()), rows
    no_traceback(page)
    assert blocked == []


def test_bad_values_are_refused_with_a_message(open_page, tmp_path):
    page, blocked = open_page()
    years = page.locator(".setting-years input")
    years.fill("abc")
    years.press("Enter")
    page.get_by_text("parameter 'years': value 'abc' is not allowed").first.wait_for()
    assert week_text(page).startswith("Week 0 of 260")  # nothing changed

    seed = page.locator(".setting-seed input")
    seed.fill("-3")
    seed.press("Enter")
    page.get_by_text("parameter 'seed': value '-3' is not allowed").first.wait_for()

    switch_lever(page, 1, "B", "time_bank", "Time bank")
    page.locator(".panel-B").get_by_text("time bank from the start").wait_for(timeout=60_000)
    box = page.locator(".param-1-time_bank-coordinator_hours input")
    try:
        box.wait_for(timeout=60_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "bad_values_failure.png"), full_page=True)
        raise
    box.fill("-5")
    box.press("Enter")
    page.get_by_text("parameter 'time_bank.coordinator_hours'").first.wait_for()
    box.fill("lots")
    box.press("Enter")
    page.get_by_text("value 'lots' is not allowed").first.wait_for()
    no_traceback(page)
    # the page still works after the refusals
    page.locator(".step-week").click()
    wait_week(page, 1)
    assert blocked == []


def test_two_sessions_do_not_share_a_model(open_page):
    first, blocked1 = open_page()
    second, blocked2 = open_page()
    first.locator(".step-week").click()
    wait_week(first, 1)
    second.reload()
    second.wait_for_selector(".week-status")
    assert week_text(second).startswith("Week 0 of")
    second.locator(".step-year").click()
    wait_week(second, 52)
    assert week_text(first).startswith("Week 1 of")
    assert blocked1 == [] and blocked2 == []


def test_replications_run_in_the_background(open_page):
    page, blocked = open_page()
    years = page.locator(".setting-years input")
    years.fill("1")
    years.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.week-status')?.innerText.startsWith('Week 0 of 52')"
    )
    page.locator(".ensemble-A").click()
    page.locator(".step-week").click()  # the page answers while the workers run
    wait_week(page, 1)
    page.locator(".progress-A").get_by_text("20 replications done").wait_for(timeout=120_000)
    no_traceback(page)
    assert blocked == []
