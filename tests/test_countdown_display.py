"""Countdowns people can act on (issue #11): a pause's start and end carry how sure they
are and the place's zone, and every view shows local time beside UTC, "about" for a day
and "not confirmed" for a range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.alerts.render import local_iso, pause_json, when_label
from tracker.extract import extract, place_zone
from tracker.lifecycle import describe, fold
from tracker.types import Evidence

T0 = datetime(2016, 8, 18, 9, 30, tzinfo=UTC)  # a Thursday


def _pause(text: str, published: datetime = T0):
    mentions = extract(text, published)
    assert mentions, text
    return fold([Evidence(m, f"a{i}", "Wire", None, published) for i, m in enumerate(mentions)], zones=place_zone)


def test_a_clock_time_gives_a_minute_start_shown_in_the_place_s_time_beside_utc():
    p = _pause("Russia and the United States agreed to a 48-hour ceasefire in Aleppo starting at 6 a.m. on Saturday.")
    assert (p.starts_at, p.start_precision) == (datetime(2016, 8, 20, 3, 0, tzinfo=UTC), "minute")  # Syria: UTC+3 in August
    assert p.zone == "Asia/Damascus" and (p.ends_at, p.end_precision) == (p.starts_at + timedelta(hours=48), "minute")
    assert when_label(p.starts_at, p.start_precision, p.zone, p.location) == "Sat 20 Aug 2016 06:00 Aleppo time (03:00 UTC)"
    data = pause_json(p, T0)
    assert (data["start_precision"], data["zone"], data["starts_local"]) == ("minute", "Asia/Damascus", "2016-08-20T06:00:00+03:00")
    assert "starts 2016-08-20 03:00 UTC" in describe(p)


def test_a_day_without_an_hour_is_about_that_day():
    p = _pause("Russia and the United States agreed to a 48-hour ceasefire in Aleppo on Saturday.")
    assert (p.starts_at, p.start_precision) == (datetime(2016, 8, 19, 21, 0, tzinfo=UTC), "day")  # Saturday 00:00 in Aleppo
    assert when_label(p.starts_at, p.start_precision, p.zone, p.location) == "about Sat 20 Aug 2016 (Aleppo time), hour not given"
    assert "starts about 2016-08-20" in describe(p) and p.end_precision == "day"


def test_labels_for_each_precision():
    at = datetime(2024, 3, 9, 11, 0, tzinfo=UTC)
    assert when_label(at, "minute", "Asia/Gaza", "Gaza") == "Sat 09 Mar 2024 13:00 Gaza time (11:00 UTC)"
    assert when_label(at, "day", "Asia/Gaza", "Gaza") == "about Sat 09 Mar 2024 (Gaza time), hour not given"
    assert when_label(at, "range", "Asia/Gaza", "Gaza") == "not confirmed: around Sat 09 Mar 2024 13:00 Gaza time (11:00 UTC)"
    assert when_label(at, "before", "Asia/Gaza", "Gaza") == "by Sat 09 Mar 2024 13:00 Gaza time (11:00 UTC), its first report in effect"
    assert when_label(at, None, None, None) == "Sat 09 Mar 2024 11:00 UTC"  # stored before precision: as before
    assert when_label(at, "minute", "Europe/London", "London") == "Sat 09 Mar 2024 11:00 UTC"  # local is UTC: once
    assert local_iso(at, "Asia/Kolkata") == "2024-03-09T16:30:00+05:30" and local_iso(at, None) is None


def test_a_pause_only_reported_in_effect_started_by_that_report_not_around_it():
    # it began at the first report or earlier: a bound, never "starts around <the report>"
    p = _pause("The ceasefire in Aleppo took effect and is largely holding, residents said.")
    assert (p.starts_at, p.start_precision) == (T0, "before")
    assert f"started by {T0:%Y-%m-%d %H:%M} UTC" in describe(p) and "around" not in describe(p)


def test_the_board_says_end_not_known_for_a_started_pause_without_an_end():
    from tracker.cli import _human_left

    p = _pause("The ceasefire in Aleppo took effect and is largely holding, residents said.")
    later = T0 + timedelta(days=1)
    assert p.ends_at is None and _human_left(p.seconds_left(later), p, later) == "end not known"
