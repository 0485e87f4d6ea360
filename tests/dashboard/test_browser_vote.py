"""The room votes, in real browsers (Debian's chromium), offline: ``coprod-sim dashboard --room``,
two phones (two browser sessions) join with the code, one proposes a mix, both vote for it, the
facilitator sees the tally and applies the winner to panel B at the current week."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coprod_sim.dashboard.offline import keep_offline

pytestmark = pytest.mark.slow  # a server and a browser

PHONE = (390, 844)


@pytest.fixture
def new_page(browser):
    contexts = []

    def opener(url: str, viewport=(1500, 1100)):
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        blocked = keep_offline(page)
        page.goto(url)
        return page, blocked

    yield opener
    for ctx in contexts:
        ctx.close()


def tick(phone, lever: str, label: str) -> None:
    """Tick a lever on a phone, and wait until the page shows it ticked."""
    phone.get_by_text(label, exact=True).click()
    expect(phone.locator(f".phone-lever-{lever} input")).to_be_checked(timeout=30_000)


def tally_has(page, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "t => document.querySelector('.room-tally')?.innerText.includes(t)",
        arg=text,
        timeout=timeout,
        polling=250,
    )


def test_two_phones_vote_and_the_facilitator_applies_the_winner(room_server, new_page):
    url, code = room_server
    fac, blocked = new_page(url)
    fac.wait_for_selector(".week-status", timeout=120_000)
    assert fac.locator(".room-code").inner_text() == code
    assert "/phone" in fac.locator(".room-url").inner_text()
    fac.locator(".step-week").click()
    fac.wait_for_function(
        "() => document.querySelector('.week-status')?.innerText.startsWith('Week 1 of')"
    )

    phones = []
    for _ in range(2):
        phone, phone_blocked = new_page(url + "phone", PHONE)
        phone.locator(".phone-code input").fill(code.lower())
        phone.locator(".phone-join").click()
        phone.locator(".phone-propose").wait_for(timeout=60_000)
        phones.append((phone, phone_blocked))
    (one, _), (two, _) = phones
    # phone one proposes time bank + personal asks; phone two proposes training, then
    # changes its mind and votes for phone one's mix
    tick(one, "time_bank", "Time bank")
    tick(one, "personal_asks", "Personal asks")
    one.locator(".phone-propose").click()
    one.get_by_text("Your vote: personal asks + time bank").wait_for()
    # phone two sees the proposal first (the list above its buttons is then drawn: a list that
    # grows while a button is pressed moves the button away from the tap)
    two.get_by_text("personal asks + time bank (1)").wait_for()
    tick(two, "training", "Training")
    two.locator(".phone-propose").click()
    two.get_by_text("Your vote: training").wait_for()
    tally_has(fac, "training")
    two.locator(".proposal-text", has_text="personal asks + time bank").locator("..").locator(
        ".phone-vote"
    ).click()
    two.get_by_text("Your vote: personal asks + time bank").wait_for()
    tally_has(fac, "personal asks + time bank\t2")
    # the facilitator applies the winner at the current week (week 1)
    apply = fac.locator(".apply-winner")
    assert "personal asks + time bank" in apply.inner_text().lower()
    apply.click()
    plan = fac.locator(".plan-B")
    fac.wait_for_function(
        "() => document.querySelector('.plan-B')?.innerText.includes('time bank on from week 1')"
    )
    assert "personal asks on from week 1" in plan.inner_text()
    assert fac.locator(".plan-A").inner_text() == "Levers: no lever"  # A untouched
    expect(fac.locator(".room-applied")).to_contain_text("Applied to panel B from week 1")
    one.get_by_text("Round 2. Your vote: none yet").wait_for()  # a new round on the phones
    assert blocked == [] and all(b == [] for _, b in phones)


def test_phone_with_a_wrong_code_is_told_so(room_server, new_page):
    url, code = room_server
    phone, blocked = new_page(url + "phone", PHONE)
    phone.locator(".phone-code input").fill("ZZZZ" if code != "ZZZZ" else "YYYY")
    phone.locator(".phone-join").click()
    phone.locator(".phone-error").wait_for()
    assert "not this room's" in phone.locator(".phone-error").inner_text()
    assert phone.locator(".phone-propose").count() == 0
    assert blocked == []
