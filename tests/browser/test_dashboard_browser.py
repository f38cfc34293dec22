"""The insights dashboard in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium; .ci/run installs it). Open the signed link from Slack, see the numbers
and the charts, change the period, download the CSV. Without Chromium this fails: it never
skips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from bot.dashboard import report_csv, shown
from bot.services.insights import compute_insights
from bot.services.insights.report import TRENDED
from tests.conftest import Bot
from tests.insights_helpers import dashboard_url, path_of, seed_kudos, summary
from tests.slack_double import TEAM_ID

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium "
            "(apt-get install -y --no-install-recommends chromium; .ci/run does it)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def test_a_leader_opens_the_dashboard_from_slack(
    browser: Browser, bot: Bot, sessions: Any, tmp_path: Path
) -> None:
    now = bot.deps.clock()
    seed_kudos(sessions, now)
    bot.command("/reciprocity", "insights", user="UADMIN")
    link = bot.url + path_of(dashboard_url(summary(bot.slack)))
    with sessions() as session:
        twelve = compute_insights(session, TEAM_ID, now=now, weeks=12, min_group=5)
        four = compute_insights(session, TEAM_ID, now=now, weeks=4, min_group=5)

    context = browser.new_context(accept_downloads=True, viewport={"width": 390, "height": 844})
    outside: list[str] = []
    context.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(bot.url) else None
        ),
    )
    page = context.new_page()
    try:
        page.goto(link)
        assert page.url == bot.url + "/insights"
        expect(page.locator("h1")).to_have_text("Reciprocity insights")
        expect(page.locator("#period")).to_contain_text(f"12 weeks, {twelve.start:%d %b %Y}")
        participation = twelve.metric("participation")
        card = page.locator('.card[data-key="participation"] .value')
        expect(card).to_have_text(shown(participation.value, "%"))
        expect(page.locator("svg.trend")).to_have_count(len(TRENDED))
        assert page.locator("svg.trend").first.bounding_box()["width"] > 200  # type: ignore[index]

        page.select_option("#weeks", "4")
        page.click("button[type=submit]")
        expect(page.locator("#period")).to_contain_text(f"4 weeks, {four.start:%d %b %Y}")
        assert "weeks=4" in page.url

        with page.expect_download() as download:
            page.click("#csv")
        saved = tmp_path / "insights.csv"
        download.value.save_as(saved)
        assert saved.read_text() == report_csv(four)

        fresh = context.new_page()  # the same link a second time: it works once
        fresh.goto(link)
        expect(fresh.locator("h1")).to_contain_text("open the dashboard from Slack")
    finally:
        context.close()
    assert outside == []
