"""The insights dashboard over HTTP, on the same server as /slack/events: the signed link
from Slack → a session cookie → the page and the CSV; an expired, reused or tampered link,
a missing or forged cookie, and a person no longer allowed all get 401."""

from __future__ import annotations

import csv
import http.client
import io
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import pytest

from bot.dashboard import report_csv, shown
from bot.services.insights import compute_insights
from bot.services.insights.links import make_session
from bot.services.insights.report import HEADLINE, TRENDED
from handlers.dashboard import COOKIE
from tests.conftest import SIGNING_SECRET, Bot
from tests.insights_helpers import dashboard_url, path_of, seed_kudos, summary
from tests.slack_double import TEAM_ID


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: str


def get(bot: Bot, path: str, cookie: str | None = None) -> Page:
    conn = http.client.HTTPConnection(urlsplit(bot.url).netloc, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
        response = conn.getresponse()
        return Page(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.headers.get_all("Set-Cookie") or [],
            response.read().decode(),
        )
    finally:
        conn.close()


def link(bot: Bot, user: str = "UADMIN") -> str:
    bot.command("/reciprocity", "insights", user=user)
    return path_of(dashboard_url(summary(bot.slack)))


def signed_in(bot: Bot, user: str = "UADMIN") -> str:
    """Follow a fresh link; the session cookie's value."""
    page = get(bot, link(bot, user))
    assert page.status == 303 and page.headers["location"] == "/insights", page
    (cookie,) = page.cookies
    return cookie.split(";", 1)[0].split("=", 1)[1]


def refused(page: Page) -> bool:
    return page.status == 401 and "/reciprocity insights" in page.body


def test_the_link_sets_a_session_and_the_page_shows_the_report(bot: Bot, sessions) -> None:
    now = bot.deps.clock()
    seed_kudos(sessions, now)
    page = get(bot, link(bot))
    assert page.status == 303
    (cookie,) = page.cookies
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "max-age=28800" in flags
    assert "secure" not in flags  # 127.0.0.1: no HTTPS on loopback
    session_cookie = cookie.split(";", 1)[0].split("=", 1)[1]
    page = get(bot, "/insights", session_cookie)
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    with sessions() as session:
        report = compute_insights(session, TEAM_ID, now=now, weeks=12, min_group=5)
    for metric in report.headline:
        assert metric.definition.label in page.body
        assert metric.definition.meaning.replace("'", "&#39;") in page.body
        assert shown(metric.value, metric.definition.unit) in page.body
    assert page.body.count("<svg") == len(TRENDED)
    assert f"{report.active_members} active members" in page.body
    assert "UALICE" not in page.body and "alice" not in page.body.lower()


def test_the_page_asks_nothing_of_any_other_site(bot: Bot) -> None:
    page = get(bot, "/insights", signed_in(bot))
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    for needle in ("http://", "https://", "<script", "@import", "url("):
        hits = page.body.replace('xmlns="http://www.w3.org/2000/svg"', "").count(needle)
        assert hits == 0, needle
    assert '<meta name="viewport"' in page.body


def test_a_link_works_once(bot: Bot) -> None:
    path = link(bot)
    assert get(bot, path).status == 303
    assert refused(get(bot, path))


def test_a_link_expires_after_ten_minutes(bot: Bot, clock) -> None:
    path = link(bot)
    clock.advance(minutes=10, seconds=1)
    assert refused(get(bot, path))


def test_a_link_within_ten_minutes_works(bot: Bot, clock) -> None:
    path = link(bot)
    clock.advance(minutes=9)
    assert get(bot, path).status == 303


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        lambda token: token.split(".")[0] + ".x",
        lambda token: "",
        lambda token: "x" * 5000,
    ],
)
def test_a_tampered_link_is_refused(bot: Bot, tamper) -> None:
    path = link(bot)
    token = path.split("token=", 1)[1]
    assert refused(get(bot, "/insights/login?token=" + quote(tamper(token))))


def test_a_session_cookie_is_not_a_link_nor_the_other_way_round(bot: Bot) -> None:
    cookie = signed_in(bot)
    assert refused(get(bot, "/insights/login?token=" + cookie))
    token = link(bot).split("token=", 1)[1]
    assert refused(get(bot, "/insights", token))


def test_without_a_session_the_page_and_the_csv_are_401(bot: Bot) -> None:
    assert refused(get(bot, "/insights"))
    assert refused(get(bot, "/insights.csv"))
    assert refused(get(bot, "/insights", "forged-value"))
    other_key = make_session(
        "another-secret", team_id=TEAM_ID, user_id="UADMIN", now=bot.deps.clock()
    )
    assert refused(get(bot, "/insights", other_key))


def test_a_session_lasts_eight_hours(bot: Bot, clock) -> None:
    cookie = signed_in(bot)
    clock.advance(hours=7, minutes=59)
    assert get(bot, "/insights", cookie).status == 200
    clock.advance(minutes=2)
    assert refused(get(bot, "/insights", cookie))


def test_every_request_checks_the_person_may_still_see_insights(bot: Bot) -> None:
    bot.command("/reciprocity", "admin insights add @bob", user="UADMIN")
    cookie = signed_in(bot, "UBOB")
    assert get(bot, "/insights", cookie).status == 200
    bot.command("/reciprocity", "admin insights remove @bob", user="UADMIN")
    assert refused(get(bot, "/insights", cookie))
    assert refused(get(bot, "/insights.csv", cookie))


def test_a_forged_session_for_someone_not_allowed_is_refused(bot: Bot) -> None:
    bot.command("/reciprocity", "me", user="UBOB")  # Bob is a known member, no admin
    cookie = make_session(SIGNING_SECRET, team_id=TEAM_ID, user_id="UBOB", now=bot.deps.clock())
    assert refused(get(bot, "/insights", cookie))


def test_the_csv_holds_the_aggregates_of_the_chosen_period(bot: Bot, sessions) -> None:
    now = bot.deps.clock()
    seed_kudos(sessions, now)
    cookie = signed_in(bot)
    page = get(bot, "/insights.csv?" + urlencode({"weeks": 8}), cookie)
    assert page.status == 200 and page.headers["content-type"].startswith("text/csv")
    assert "attachment" in page.headers["content-disposition"]
    with sessions() as session:
        report = compute_insights(session, TEAM_ID, now=now, weeks=8, min_group=5)
    assert page.body == report_csv(report)
    rows = list(csv.DictReader(io.StringIO(page.body)))
    assert {r["key"] for r in rows if r["section"] == "headline"} == {d.key for d in HEADLINE}
    assert len([r for r in rows if r["section"] == "week"]) == 8 * len(TRENDED)
    assert "UALICE" not in page.body


def test_the_filters_choose_the_period_and_ignore_what_is_not_a_choice(bot: Bot, sessions) -> None:
    now = bot.deps.clock()
    cookie = signed_in(bot)
    with sessions() as session:
        four = compute_insights(session, TEAM_ID, now=now, weeks=4)
        twelve = compute_insights(session, TEAM_ID, now=now, weeks=12)
    page = get(bot, "/insights?weeks=4", cookie)
    assert f"4 weeks, {four.start:%d %b %Y}" in page.body
    assert '<option value="4" selected>' in page.body
    for odd in ("weeks=0", "weeks=abc", "weeks=9999", "department=%3Cscript%3E"):
        page = get(bot, "/insights?" + odd, cookie)
        assert page.status == 200
        assert f"12 weeks, {twelve.start:%d %b %Y}" in page.body
        assert "<script>" not in page.body
    known = [row.name for row in twelve.departments]
    if known:  # once the metrics know departments, a known one is a filter
        page = get(bot, "/insights?" + urlencode({"department": known[0]}), cookie)
        assert f", {known[0]}" in page.body


def test_a_proxied_https_host_gets_a_secure_cookie(bot: Bot) -> None:
    conn = http.client.HTTPConnection(urlsplit(bot.url).netloc, timeout=10)
    try:
        conn.request("GET", link(bot), headers={"Host": "insights.example.com"})
        response = conn.getresponse()
        response.read()
        cookie = response.headers["Set-Cookie"]
    finally:
        conn.close()
    assert "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_other_paths_are_still_json_404s_and_health_is_unchanged(bot: Bot) -> None:
    page = get(bot, "/nowhere")
    assert page.status == 404 and page.headers["content-type"] == "application/json"
    assert get(bot, "/healthz").status == 200
    page = get(bot, "/slack/events")
    assert page.status == 405 and "use POST" in page.body
