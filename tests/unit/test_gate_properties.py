"""The boundary gate as a pure function: examples, then properties across zones and DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.gate import (
    Dnd,
    Kind,
    Verdict,
    allowed_at,
    cap_free_at,
    decide,
    dnd_from_slack,
    mention,
    next_working_moment,
)
from bot.services.people import zone
from bot.services.preferences import Preferences
from tests.properties import examples

WEDNESDAY_1300_UTC = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a half-hour DST shift
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "America/St_Johns",
]
# Moments around the 2026 DST changes in Europe, the US and Australia, plus any time at all.
DST_EDGES = [
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 4, 5, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 4, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# ----- examples ------------------------------------------------------------------------------
def test_sends_now_within_working_hours_and_under_the_cap() -> None:
    decision = decide(
        kind=Kind.REMINDER, prefs=Preferences(), profile_tz="Europe/Berlin", now=at(25, 13)
    )
    assert decision.verdict is Verdict.SEND
    assert decision.at == at(25, 13)


def test_after_hours_waits_for_the_next_morning_in_the_members_zone() -> None:
    # 23:00 UTC Wednesday is 08:00 Thursday in Tokyo: one hour before the day starts.
    decision = decide(
        kind=Kind.REMINDER, prefs=Preferences(), profile_tz="Asia/Tokyo", now=at(25, 23)
    )
    assert decision.verdict is Verdict.DEFER
    assert decision.reason == "outside_hours"
    assert decision.at == at(26, 0)  # 09:00 in Tokyo


def test_friday_evening_waits_for_monday() -> None:
    decision = decide(
        kind=Kind.PROMPT, prefs=Preferences(), profile_tz="America/New_York", now=at(27, 23)
    )
    assert decision.at == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday 09:00 EST


def test_own_zone_overrides_the_slack_profile() -> None:
    prefs = Preferences(tz="Asia/Tokyo")
    assert decide(kind=Kind.REMINDER, prefs=prefs, profile_tz="UTC", now=at(25, 13)).verdict == (
        Verdict.DEFER
    )


def test_opted_out_kind_is_dropped_other_kinds_are_not() -> None:
    prefs = Preferences(opt_out_reminders=True)
    kw = {"prefs": prefs, "profile_tz": "UTC", "now": at(25, 13)}
    assert decide(kind=Kind.REMINDER, **kw).verdict is Verdict.DROP  # type: ignore[arg-type]
    assert decide(kind=Kind.REMINDER, **kw).reason == "opted_out"  # type: ignore[arg-type]
    assert decide(kind=Kind.PROMPT, **kw).verdict is Verdict.SEND  # type: ignore[arg-type]


def test_paused_waits_until_the_pause_ends_then_for_working_hours() -> None:
    prefs = Preferences(paused_until=at(28, 12))  # a Saturday
    decision = decide(kind=Kind.REMINDER, prefs=prefs, profile_tz="UTC", now=at(25, 13))
    assert decision.verdict is Verdict.DEFER
    assert decision.reason == "paused"
    assert decision.at == at(30, 9)


def test_weekly_cap_defers_until_the_oldest_nudge_is_a_week_old() -> None:
    sent = [at(20, 10), at(23, 10), at(24, 10)]
    decision = decide(
        kind=Kind.REMINDER, prefs=Preferences(), profile_tz="UTC", now=at(25, 13), sent=sent
    )
    assert decision.verdict is Verdict.DEFER
    assert decision.reason == "cap"
    assert decision.at == at(27, 10)
    older = [at(10, 10), at(11, 10), at(12, 10), at(24, 10)]
    assert (
        decide(
            kind=Kind.REMINDER, prefs=Preferences(), profile_tz="UTC", now=at(25, 13), sent=older
        ).verdict
        is Verdict.SEND
    )


def test_cap_of_zero_means_no_nudges() -> None:
    decision = decide(
        kind=Kind.PROMPT, prefs=Preferences(weekly_nudge_cap=0), profile_tz="UTC", now=at(25, 13)
    )
    assert (decision.verdict, decision.reason) == (Verdict.DROP, "cap_zero")


def test_do_not_disturb_defers_until_it_ends_or_a_recheck() -> None:
    prefs = Preferences()
    until = at(25, 14, 15)
    decision = decide(
        kind=Kind.REMINDER, prefs=prefs, profile_tz="UTC", now=at(25, 13), dnd=Dnd(True, until)
    )
    assert (decision.verdict, decision.reason, decision.at) == (Verdict.DEFER, "dnd", until)
    unknown = decide(
        kind=Kind.REMINDER, prefs=prefs, profile_tz="UTC", now=at(25, 13), dnd=Dnd(True)
    )
    assert unknown.at == at(25, 13, 30)


def test_stale_nudges_are_dropped() -> None:
    decision = decide(
        kind=Kind.REMINDER,
        prefs=Preferences(),
        profile_tz="UTC",
        now=at(27, 18),  # Friday evening: the next window is Monday
        expires_at=at(29, 0),
    )
    assert (decision.verdict, decision.reason) == (Verdict.DROP, "stale")
    assert (
        decide(
            kind=Kind.REMINDER,
            prefs=Preferences(),
            profile_tz="UTC",
            now=at(25, 13),
            expires_at=at(25, 12),
        ).reason
        == "stale"
    )


def test_no_working_days_means_nothing_is_ever_sent() -> None:
    decision = decide(
        kind=Kind.PROMPT, prefs=Preferences(work_days=()), profile_tz="UTC", now=at(25, 13)
    )
    assert (decision.verdict, decision.reason) == (Verdict.DROP, "no_working_hours")


def test_window_opening_inside_a_dst_gap_opens_at_the_jump() -> None:
    # Berlin skips 02:00–03:00 on 29 March 2026; a 02:30–10:00 window opens at 03:00 CEST.
    prefs = Preferences(work_start_minute=150, work_end_minute=600, work_days=(6,))
    moment = next_working_moment(prefs, "Europe/Berlin", datetime(2026, 3, 28, 22, tzinfo=UTC))
    assert moment == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_repeated_hour_uses_the_second_reading_when_the_first_has_passed() -> None:
    # Berlin repeats 02:00–03:00 on 25 October 2026; at 02:15 (second time) a 02:30 start
    # is still ahead, at 01:30 UTC.
    prefs = Preferences(work_start_minute=150, work_end_minute=600, work_days=(6,))
    moment = next_working_moment(prefs, "Europe/Berlin", datetime(2026, 10, 25, 1, 15, tzinfo=UTC))
    assert moment == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_dnd_from_slack_reads_snooze_and_the_scheduled_window() -> None:
    now = at(25, 13)
    stamp = int(at(25, 14).timestamp())
    assert dnd_from_slack({"snooze_enabled": True, "snooze_endtime": stamp}, now) == Dnd(
        True, at(25, 14)
    )
    assert dnd_from_slack({"snooze_enabled": True}, now) == Dnd(True, None)
    window = {
        "dnd_enabled": True,
        "next_dnd_start_ts": int(at(25, 12).timestamp()),
        "next_dnd_end_ts": stamp,
    }
    assert dnd_from_slack(window, now) == Dnd(True, at(25, 14))
    later = {
        **window,
        "next_dnd_start_ts": int(at(25, 22).timestamp()),
        "next_dnd_end_ts": stamp + 86400,
    }
    assert dnd_from_slack(later, now) == Dnd()
    assert dnd_from_slack({"ok": True}, now) == Dnd()


def test_mentions_respect_the_opt_out_and_allow_mentions() -> None:
    assert mention(Preferences(), "UBOB", "Bob") == "Bob"
    assert mention(Preferences(allow_mentions=True), "UBOB", "Bob") == "<@UBOB>"
    assert (
        mention(Preferences(opt_out_digest_mentions=True, allow_mentions=True), "UBOB", "Bob")
        is None
    )


# ----- properties ----------------------------------------------------------------------------
moments = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    st.builds(
        lambda edge, shift: edge + timedelta(minutes=shift),
        st.sampled_from(DST_EDGES),
        st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60),
    ),
)


rarely = st.sampled_from([False, False, False, False, True])


@st.composite
def preferences(draw: st.DrawFn) -> Preferences:
    start = draw(st.integers(0, 23 * 60 + 59))
    # Now and then an empty or inverted window, or no working days at all.
    length = draw(st.integers(-60, 0)) if draw(rarely) else draw(st.integers(1, 16 * 60))
    days = () if draw(rarely) else draw(st.sets(st.integers(0, 6), min_size=1))
    return Preferences(
        tz=draw(st.one_of(st.none(), st.sampled_from(ZONES))),
        work_start_minute=start,
        work_end_minute=min(start + length, 24 * 60),
        work_days=tuple(sorted(days)),
        weekly_nudge_cap=0 if draw(rarely) else draw(st.integers(1, 5)),
        paused_until=draw(moments) if draw(rarely) else None,
        opt_out_prompts=draw(rarely),
        opt_out_reminders=draw(rarely),
        opt_out_pairing=draw(rarely),
        opt_out_suggestions=draw(rarely),
    )


@st.composite
def situations(draw: st.DrawFn) -> dict:  # type: ignore[type-arg]
    now = draw(moments)
    sent = draw(
        st.lists(
            st.builds(lambda back: now - timedelta(minutes=back), st.integers(0, 10 * 24 * 60)),
            max_size=4,
        )
    )
    dnd = draw(
        st.one_of(
            st.none(),
            st.just(Dnd()),
            st.builds(lambda m: Dnd(True, now + timedelta(minutes=m)), st.integers(1, 3000)),
            st.just(Dnd(True)),
        )
    )
    prefs = draw(preferences())
    if draw(st.booleans()):  # a pause that ends near now, so it matters
        shift = draw(st.integers(-3 * 24 * 60, 3 * 24 * 60))
        prefs = replace(prefs, paused_until=now + timedelta(minutes=shift))
    return {
        "kind": draw(st.sampled_from([Kind.PROMPT, Kind.REMINDER, Kind.PAIRING, Kind.SUGGESTION])),
        "prefs": prefs,
        "profile_tz": draw(st.sampled_from(ZONES)),
        "now": now,
        "sent": sent,
        "dnd": dnd,
    }


def local_minute(moment: datetime, prefs: Preferences, profile_tz: str) -> tuple[int, int]:
    local = moment.astimezone(zone(prefs.zone_name(profile_tz)))
    return local.weekday(), local.hour * 60 + local.minute


@settings(max_examples=examples(400), deadline=None)
@given(situations())
def test_a_nudge_sent_now_is_allowed_by_every_boundary(case: dict) -> None:  # type: ignore[type-arg]
    decision = decide(**case)
    if decision.verdict is Verdict.SEND:
        prefs, now = case["prefs"], case["now"]
        assert decision.at == now
        assert allowed_at(moment=now, **{k: v for k, v in case.items() if k != "now"})
        weekday, minute = local_minute(now, prefs, case["profile_tz"])
        assert weekday in prefs.work_days
        assert prefs.work_start_minute <= minute < prefs.work_end_minute
        assert not prefs.is_paused(now)
        assert len([s for s in case["sent"] if now - timedelta(days=7) < s <= now]) < (
            prefs.weekly_nudge_cap
        )
        assert case["dnd"] is None or not case["dnd"].active


@settings(max_examples=examples(400), deadline=None)
@given(situations())
def test_a_deferred_nudge_waits_for_a_moment_every_boundary_allows(case: dict) -> None:  # type: ignore[type-arg]
    decision = decide(**case)
    if decision.verdict is Verdict.DEFER:
        assert decision.at is not None and decision.at > case["now"]
        moment = decision.at
        # Nothing more is sent in between, so the same history applies then.
        dnd = case["dnd"]
        assert allowed_at(
            kind=case["kind"],
            prefs=case["prefs"],
            profile_tz=case["profile_tz"],
            moment=moment,
            sent=case["sent"],
            dnd=dnd if dnd is None or dnd.until is not None else None,
        )
        weekday, minute = local_minute(moment, case["prefs"], case["profile_tz"])
        assert weekday in case["prefs"].work_days
        assert case["prefs"].work_start_minute <= minute < case["prefs"].work_end_minute


@settings(max_examples=examples(300), deadline=None)
@given(situations())
def test_opted_out_or_capped_at_zero_is_never_sent_or_deferred(case: dict) -> None:  # type: ignore[type-arg]
    prefs = case["prefs"]
    decision = decide(**case)
    flag = {
        Kind.PROMPT: prefs.opt_out_prompts,
        Kind.REMINDER: prefs.opt_out_reminders,
        Kind.PAIRING: prefs.opt_out_pairing,
        Kind.SUGGESTION: prefs.opt_out_suggestions,
    }[case["kind"]]
    if flag or prefs.weekly_nudge_cap == 0:
        assert decision.verdict is Verdict.DROP


@settings(max_examples=examples(300), deadline=None)
@given(situations())
def test_the_next_moment_is_the_earliest_allowed_minute(case: dict) -> None:  # type: ignore[type-arg]
    """One minute before the moment the gate picks, something still stands in the way."""
    decision = decide(**case)
    if decision.verdict is Verdict.DEFER and case["dnd"] is None:
        assert decision.at is not None
        before = decision.at - timedelta(minutes=1)
        if before >= case["now"]:
            assert not allowed_at(moment=before, **{k: v for k, v in case.items() if k != "now"})


@settings(max_examples=examples(300), deadline=None)
@given(situations(), st.integers(0, 6 * 24 * 60))
def test_an_expiry_is_never_overstepped(case: dict, minutes_left: int) -> None:  # type: ignore[type-arg]
    expires = case["now"] + timedelta(minutes=minutes_left)
    decision = decide(**case, expires_at=expires)
    if decision.verdict is not Verdict.DROP:
        assert decision.at is not None and decision.at <= expires


@settings(max_examples=examples(200), deadline=None)
@given(preferences(), st.sampled_from(ZONES), moments)
def test_a_working_moment_is_found_whenever_the_week_has_a_window(
    prefs: Preferences, profile_tz: str, start: datetime
) -> None:
    moment = next_working_moment(prefs, profile_tz, start)
    if moment is None:
        # Either no window at all, or every window fell into DST gaps (not in these zones).
        assert not prefs.work_days or prefs.work_start_minute >= prefs.work_end_minute
    else:
        assert moment >= start
        assert prefs.in_working_hours(moment, profile_tz)
        assert moment - start <= timedelta(days=8)


def test_cap_free_at_counts_only_the_last_seven_days() -> None:
    prefs = Preferences(weekly_nudge_cap=2)
    now = at(25, 13)
    assert cap_free_at(prefs, [], now) == now
    assert cap_free_at(prefs, [at(17, 9), at(24, 9)], now) == now
    assert cap_free_at(prefs, [at(19, 9), at(24, 9), at(25, 9)], now) == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC
    )


@settings(max_examples=examples(400), deadline=None)
@given(situations())
def test_the_gate_sends_now_exactly_when_every_boundary_allows_now(case: dict) -> None:  # type: ignore[type-arg]
    decision = decide(**case)
    now_allowed = allowed_at(moment=case["now"], **{k: v for k, v in case.items() if k != "now"})
    assert (decision.verdict is Verdict.SEND) == now_allowed


def test_working_time_counts_only_the_members_hours() -> None:
    from bot.services.gate import working_time_between

    prefs = Preferences()
    # Wednesday 13:00 UTC to Thursday 10:00 UTC in Berlin: 14:00–17:00 + 09:00–11:00 = 5 h.
    assert working_time_between(prefs, "Europe/Berlin", at(25, 13), at(26, 10)) == timedelta(
        hours=5
    )
    # Friday 16:00 Berlin to Monday 10:00 Berlin: 1 h + 1 h.
    assert working_time_between(prefs, "Europe/Berlin", at(27, 15), at(30, 9)) == timedelta(hours=2)
    assert working_time_between(prefs, "UTC", at(28, 0), at(29, 23)) == timedelta(0)
    assert working_time_between(prefs, "UTC", at(26, 0), at(25, 0)) == timedelta(0)
