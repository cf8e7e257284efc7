"""How news states time, one made-up sentence per pattern (tracker.extract.when), and
Hypothesis properties over DST transitions.

Published Thursday 7 March 2024, 09:30 UTC unless a row says otherwise. In March 2024
Gaza, Beirut, Kyiv and Khartoum are UTC+2, Damascus and Aleppo UTC+3 (since Syria's 2022 change),
Yemen and Moscow UTC+3, India UTC+5:30, Kabul UTC+4:30.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract import extract

Z = timezone.utc
PUB = datetime(2024, 3, 7, 9, 30, tzinfo=Z)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=Z)


def timed(text: str, published: datetime | None = PUB):
    """The mention that carries a start or end (the first one), else the first mention."""
    ms = extract(text, published)
    assert ms, text
    return next((m for m in ms if m.starts_at or m.start_range or m.ends_at or m.end_range), ms[0])


# (sentence, starts_at, start precision, start zone)
STARTS = [
    # the place's zone
    ("The truce in Khartoum begins at 6 a.m. on Wednesday.", at(3, 13, 4), "minute", "place"),
    ("A ceasefire in Beirut begins at noon local time on Friday.", at(3, 8, 10), "minute", "place"),
    # stated zones win over the place's
    ("A truce in Yemen will take effect at 11:00 GMT on Friday.", at(3, 8, 11), "minute", "stated"),
    ("A ceasefire in Ukraine will begin at 2 p.m. Moscow time on Saturday.", at(3, 9, 11), "minute", "stated"),
    ("The ceasefire in Kashmir will start from 1900 hours IST on Friday.", at(3, 8, 13, 30), "minute", "stated"),
    ("A ceasefire in Gaza will start at 7.30 am Gaza time on Saturday.", at(3, 9, 5, 30), "minute", "stated"),
    ("The truce in Gaza will begin at 09:00 EST on Friday.", at(3, 8, 14), "minute", "stated"),
    ("The truce in Aleppo starts at 8:00 AM GMT+4 on Friday.", at(3, 8, 4), "minute", "stated"),
    ("A truce in Kabul will begin at 5:30pm Kabul time on Friday.", at(3, 8, 13), "minute", "stated"),
    ("The ceasefire in Lebanon takes effect at 0500Z on Friday.", at(3, 8, 5), "minute", "stated"),
    ("The ceasefire in Lebanon takes effect at 15.00 GMT on Friday.", at(3, 8, 15), "minute", "stated"),
    ("The ceasefire in Gaza takes effect at 1800 local time on Friday.", at(3, 8, 16), "minute", "place"),
    ("A truce in Gaza will begin at dawn on Friday.", at(3, 8, 2), "range", "place"),
    # bracketed figures: the UTC figure settles it
    ("The ceasefire in Gaza starts at 06:00 (04:00 GMT) on Friday.", at(3, 8, 4), "minute", "stated"),
    ("A ceasefire in Ukraine will begin at 2 p.m. Moscow time (1100 GMT) on Saturday.", at(3, 9, 11), "minute", "stated"),
    ("A truce in Gaza will take effect at 9 p.m. (1900 GMT) on Friday.", at(3, 8, 19), "minute", "stated"),
    ("A truce will take effect at 11:00 local time [08:00 GMT] on Friday.", at(3, 8, 8), "minute", "stated"),
    # days: dates with and without a year, relative days
    ("A ceasefire in Gaza will take effect at 10 a.m. on 14 March 2024.", at(3, 14, 8), "minute", "place"),
    ("A ceasefire in Gaza will take effect at 10 a.m. on March 14.", at(3, 14, 8), "minute", "place"),
    ("A truce in Gaza will begin at 8 p.m. tonight.", at(3, 7, 18), "minute", "place"),
    ("A truce in Gaza will begin at 6 a.m. tomorrow.", at(3, 8, 4), "minute", "place"),
    ("The truce in Gaza begins at 00:01 on Friday.", at(3, 7, 22, 1), "minute", "place"),
    ("The ceasefire in Gaza starts in the first hour of Saturday.", at(3, 8, 22), "range", "place"),
    ("The truce in Gaza took effect just past midnight of March 9.", at(3, 8, 22), "minute", "place"),
    ("A truce in Gaza begins at midnight on March 9-10.", at(3, 9, 22), "minute", "place"),
    # midnight and noon
    ("The truce in Gaza takes effect from midnight (2200 GMT).", at(3, 7, 22), "minute", "stated"),
    ("The truce in Gaza begins at midnight on Friday.", at(3, 7, 22), "range", "place"),  # start or end of Friday
    ("The truce in Gaza begins at midnight tonight.", at(3, 7, 22), "minute", "place"),
    # a time in another clause or sentence
    ("The ceasefire in Gaza, which comes into force on Friday at 9 pm, was welcomed.", at(3, 8, 19), "minute", "place"),
    ("The army and the RSF agreed to a 72-hour truce in El Fasher. It begins at 6 a.m. on Wednesday.", at(3, 13, 4), "minute", "place"),
    ("Gaza truce agreed\nThe army and Hamas agreed that the truce begins at 7 a.m. on Friday.", at(3, 8, 5), "minute", "place"),
    ("The army and the RSF agreed to a truce in El Fasher. The truce begins at 6 a.m. on Wednesday.", at(3, 13, 4), "minute", "place"),
]


@pytest.mark.parametrize(("text", "starts_at", "precision", "zone"), STARTS)
def test_start(text, starts_at, precision, zone):
    m = timed(text)
    assert (m.starts_at, m.start_precision, m.start_zone) == (starts_at, precision, zone)


def test_no_zone_is_a_flagged_range_never_utc():
    m = timed("The two sides agreed to a ceasefire that begins at 6 a.m. on Wednesday.")
    assert (m.starts_at, m.start_precision, m.start_zone) == (None, "range", "unknown")
    # every reading of 06:00 on 13 March, from UTC+14 to UTC-12
    assert m.start_range == (at(3, 12, 16), at(3, 13, 18))


def test_bracketed_utc_figure_wins_over_a_disagreeing_local_one_with_a_note():
    m = timed("The ceasefire in Gaza starts at 06:00 (03:00 GMT) on Friday.")
    assert m.starts_at == at(3, 8, 3)
    assert any("disagree" in n and "UTC figure is used" in n for n in m.time_notes)


def test_a_date_next_to_the_clock_is_not_dropped_for_the_publication_date():
    m = timed("The truce in Gaza will begin at 7 a.m. on Saturday, March 16.")
    assert m.starts_at == at(3, 16, 5)


# (sentence, ends_at, end precision)
ENDS = [
    ("A truce in Gaza will hold until 8 p.m. on Thursday.", at(3, 7, 18), "minute"),
    ("A truce in Gaza will hold until midnight on Sunday.", at(3, 10, 22), "minute"),
    ("A truce in Gaza will hold until February 3.", at(2, 3, 22, year=2025), "day"),  # no year, before publication: the next one
    ("The truce in Gaza will end at 11:59 p.m. on March 9.", at(3, 9, 21, 59), "minute"),
    ("A truce in Gaza will run from 6 a.m. of March 10 to 6 a.m. of March 13.", at(3, 13, 4), "minute"),
    ("A truce in Gaza will last for 72 hours from noon on Friday.", at(3, 11, 10), "minute"),  # start + duration
    ("A humanitarian pause in Aleppo will hold between 9 a.m. and 5 p.m. on Friday.", at(3, 8, 14), "minute"),
    ("Both sides agreed to a ceasefire in Kyiv from 8 a.m.-8 p.m. on Friday.", at(3, 8, 18), "minute"),
    ("A truce in Ukraine will run from 1 p.m. on Friday until midnight on Sunday, Moscow time.", at(3, 10, 21), "minute"),
    ("The truce in Gaza ended at 6am local time (04:00 GMT).", at(3, 7, 4), "minute"),
    ("A humanitarian pause in Gaza will hold between 0700 and 1500 GMT on Friday.", at(3, 8, 15), "minute"),
]


@pytest.mark.parametrize(("text", "ends_at", "precision"), ENDS)
def test_end(text, ends_at, precision):
    m = timed(text)
    assert (m.ends_at, m.end_precision) == (ends_at, precision)
    assert m.starts_at is None or m.ends_at > m.starts_at


def test_a_zone_after_the_window_is_both_figures_zone():
    m = timed("A truce in Ukraine will run from 1 p.m. on Friday until midnight on Sunday, Moscow time.")
    assert (m.starts_at, m.start_zone, m.ends_at, m.end_zone) == (at(3, 8, 10), "stated", at(3, 10, 21), "stated")


def test_window_gives_both_figures_the_day():
    m = timed("A humanitarian pause in Aleppo will hold between 9 a.m. and 5 p.m. on Friday.")
    assert (m.starts_at, m.ends_at) == (at(3, 8, 6), at(3, 8, 14))  # Syria: UTC+3 all year since 2022


def test_daily_window_gives_the_recurrence_and_the_first_window():
    m = timed("Israel announced daily humanitarian pauses in northern Gaza from 11 a.m. to 3 p.m.")
    assert m.recurrence == "daily"
    assert (m.starts_at, m.ends_at) == (at(3, 8, 9), at(3, 8, 13))  # 11:00 local has passed at 11:30: the next day


def test_end_only_statement_gives_an_end_with_the_start_unknown():
    m = timed("The truce in Gaza is due to expire at 6 p.m. on Saturday.")
    assert (m.starts_at, m.ends_at) == (None, at(3, 9, 16))


def test_start_and_duration_give_the_end():
    m = timed("The army and the RSF agreed to a 72-hour truce in El Fasher. It begins at 6 a.m. on Wednesday.")
    assert m.ends_at == at(3, 16, 4)


@pytest.mark.parametrize("year", ["0001", "9999", "1850"])
def test_implausible_years_are_ignored_with_a_note(year):
    m = timed(f"A truce in Gaza will begin at 6 a.m. on 3 March {year}.")
    assert m.starts_at is None and m.start_range is None
    assert any("implausible" in n for n in m.time_notes)


def test_date_only_publication_reads_a_bare_clock_time_on_its_date_and_flags_it():
    m = timed("The humanitarian corridor in Gaza will be open from 11 a.m. to 3 p.m., the army said.", at(3, 7, 12))
    assert (m.starts_at, m.start_precision) == (at(3, 7, 9), "range")


def test_mention_json_round_trips_the_time_fields():
    from tracker.types import Mention

    m = timed("The two sides agreed to a ceasefire that begins at 6 a.m. on Wednesday.")
    back = Mention.from_json(m.to_json())
    assert back == m


# --------------------------------------------------------------------------- properties

# (place, its zone, a DST transition of that zone); Damascus before and after its 2022 change
# to a fixed UTC+3, New York through the stated zone "ET".
TRANSITIONS = [
    ("Beirut", "Asia/Beirut", datetime(2024, 3, 31, tzinfo=Z)),
    ("Beirut", "Asia/Beirut", datetime(2024, 10, 27, tzinfo=Z)),
    ("Kyiv", "Europe/Kyiv", datetime(2024, 3, 31, tzinfo=Z)),
    ("Kyiv", "Europe/Kyiv", datetime(2024, 10, 27, tzinfo=Z)),
    ("Gaza", "Asia/Gaza", datetime(2024, 4, 20, tzinfo=Z)),
    ("Gaza", "Asia/Gaza", datetime(2023, 10, 28, tzinfo=Z)),
    ("Damascus", "Asia/Damascus", datetime(2021, 3, 26, tzinfo=Z)),
    ("Damascus", "Asia/Damascus", datetime(2021, 10, 29, tzinfo=Z)),
    ("Damascus", "Asia/Damascus", datetime(2023, 3, 31, tzinfo=Z)),
    ("Damascus", "Asia/Damascus", datetime(2023, 10, 27, tzinfo=Z)),
    ("Gaza", "America/New_York", datetime(2024, 3, 10, 7, tzinfo=Z)),
    ("Gaza", "America/New_York", datetime(2024, 11, 3, 6, tzinfo=Z)),
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
moment = st.tuples(
    st.sampled_from(TRANSITIONS),
    st.integers(min_value=-4 * 24 * 60, max_value=4 * 24 * 60),  # minutes from the transition
)


def _clock(h: int, m: int) -> str:
    return f"{h:02d}:{m:02d}"


def _zone_words(tz: str) -> str:
    return " ET" if tz == "America/New_York" else ""


@settings(max_examples=150, deadline=None)
@given(moment, st.integers(0, 23), st.integers(0, 59), st.sampled_from(WEEKDAYS), st.integers(0, 23), st.sampled_from(WEEKDAYS))
def test_an_end_is_never_before_its_start(when, h1, m1, day1, h2, day2):
    (place, tz, transition), offset = when
    published = transition + timedelta(minutes=offset)
    zw = _zone_words(tz)
    text = f"A ceasefire in {place} will run from {_clock(h1, m1)}{zw} on {day1} until {_clock(h2, 0)}{zw} on {day2}."
    for m in extract(text, published):
        if m.starts_at and m.ends_at:
            assert m.ends_at > m.starts_at, text
        if m.start_range and m.end_range:
            assert m.end_range[1] >= m.start_range[0]


@settings(max_examples=150, deadline=None)
@given(moment, st.integers(0, 23), st.integers(0, 59), st.sampled_from(WEEKDAYS))
def test_a_stated_utc_figure_always_wins_over_the_place_zone(when, h, minute, day):
    (place, tz, transition), offset = when
    published = transition + timedelta(minutes=offset)
    local = datetime(2000, 1, 1, h, minute)
    utc = local - timedelta(hours=2)  # any local figure: the UTC one decides
    text = f"A ceasefire in {place} begins at {_clock(h, minute)} local time ({utc:%H%M} GMT) on {day}."
    m = timed(text, published)
    assert m.starts_at is not None and m.starts_at.astimezone(Z).strftime("%H:%M") == utc.strftime("%H:%M"), text
    assert m.start_zone == "stated"


@settings(max_examples=150, deadline=None)
@given(moment, st.integers(0, 23), st.sampled_from(WEEKDAYS), st.booleans())
def test_a_weekday_never_resolves_more_than_seven_days_from_publication(when, h, day, begun):
    (place, tz, transition), offset = when
    published = transition + timedelta(minutes=offset)
    verb = "took effect" if begun else "will take effect"
    text = f"A ceasefire in {place} {verb} at {_clock(h, 0)}{_zone_words(tz)} on {day}."
    m = timed(text, published)
    assert m.starts_at is not None, text
    local_pub = published.astimezone(ZoneInfo(tz)).date()
    assert abs((m.starts_at.astimezone(ZoneInfo(tz)).date() - local_pub).days) <= 7, text


def test_without_publication_a_date_takes_the_year_of_the_article_full_date():
    text = "Talks ended on 3 May 2022 in Doha. A ceasefire in Gaza will take effect at 06:00 GMT on 5 May."
    m = timed(text, None)
    assert (m.starts_at, m.start_zone) == (at(5, 5, 6, year=2022), "stated")


def test_without_publication_a_weekday_stays_unresolved():
    m = timed("A ceasefire in Gaza will take effect at 06:00 GMT on Friday.", None)
    assert (m.start_text, m.starts_at, m.start_range) == ("at 06:00 GMT on Friday", None, None)


def test_the_verb_before_the_time_says_which_weekday():
    # "comes into force" looks ahead even in a sentence the status reads as in effect
    m = timed("The ceasefire in Gaza, which comes into force on Friday at 9 pm, was welcomed.")
    assert m.starts_at == at(3, 8, 19)
    m = timed("The ceasefire in Gaza took effect on Monday at 9 pm.")
    assert m.starts_at == at(3, 4, 19)


def test_eval_scores_times_and_flags_confidently_wrong():
    from tracker.extract.evaluate import below_floors, evaluate

    base = {"is_pause_event": True, "kind": "truce", "status": "agreed", "duration_hours": None, "location": "Gaza"}
    rows = [
        {**base, "id": "right", "text": "A truce in Gaza will take effect at 11:00 GMT on Friday.",
         "published": "2024-03-07T09:30:00Z", "starts_at": "2024-03-08T11:00:00Z", "ends_at": None},
        {**base, "id": "wrong", "text": "A truce in Gaza will take effect at 11:00 GMT on Friday.",
         "published": "2024-03-07T09:30:00Z", "starts_at": "2024-03-08T15:00:00Z", "ends_at": None},
        {**base, "id": "flagged", "location": None, "text": "The sides agreed a truce that begins at 6 a.m. on Wednesday.",
         "published": "2024-03-07T09:30:00Z", "starts_at": "2024-03-13T04:00:00Z", "ends_at": None},
    ]
    result = evaluate(rows)
    assert (result["start_exact"], result["start_day"], result["confidently_wrong"], result["end"]) == (0.333, 0.667, 0.333, None)
    assert "confidently_wrong 0.333 > 0.03" in below_floors(result)


def test_a_bracketed_utc_window_gives_each_figure_its_own():
    m = timed("The humanitarian pause in Gaza will run daily from 10 a.m. to 2 p.m. local time (0800-1200 GMT).")
    assert (m.starts_at, m.ends_at, m.end_zone, m.recurrence) == (at(3, 8, 8), at(3, 8, 12), "stated", "daily")


def test_a_weekday_beside_a_date_without_year_picks_the_year():
    # 19 January is a Sunday in 2025, not in 2024 (the publication's year)
    m = timed("The ceasefire in Gaza took effect at 8 a.m. on Sunday, January 19.", at(3, 7, 9, 30, year=2025) - timedelta(days=400))
    assert m.starts_at == at(1, 19, 6, year=2025)


TOKENS = [
    "at", "on", "from", "until", "to", "between", "and", "-", "midnight", "noon", "tonight", "tomorrow", "Friday", "Sunday",
    "9 a.m.", "12am", "12 p.m.", "24:00", "2400 hours", "00:01", "25:00", "0500 GMT", "(0300 GMT)", "[07:00 GMT]", "GMT+4",
    "Moscow time", "local time", "29 February", "31 February", "February 29, 2023", "3 March 9999", "June 3-4", "the night of",
    "first hour of", "dawn", "ended at", "expire at", "Monday, January 19", "Kyiv time", "IST", "EST", "Z", ",",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10), moment, st.booleans())
def test_any_mix_of_time_words_never_raises_and_never_ends_before_it_starts(words, when, begun):
    (place, _, transition), offset = when
    published = transition + timedelta(minutes=offset)
    verb = "took effect" if begun else "will take effect"
    text = f"A ceasefire in {place} {verb} " + " ".join(words) + "."
    for m in extract(text, published):
        if m.starts_at and m.ends_at:
            assert m.ends_at > m.starts_at, text
        for at_ in (m.starts_at, m.ends_at):
            assert at_ is None or (at_.utcoffset() == timedelta(0) and 1900 <= at_.year <= 2101), text


def test_local_alone_is_the_place_zone_and_keeps_its_bracket():
    m = timed("The truce in Gaza is due to start on Friday at 7 a.m. local (0300 GMT).")
    assert (m.starts_at, m.start_zone) == (at(3, 8, 3), "stated")
    assert any("disagree" in n for n in m.time_notes)  # 07:00 in Gaza is 05:00 UTC


def test_the_verb_before_an_end_says_which_weekday():
    assert timed("The truce in Sudan expires at midnight on Sunday.").ends_at == at(3, 10, 22)
    assert timed("The truce in Sudan expired at 6 p.m. on Sunday.").ends_at == at(3, 3, 16)


@pytest.mark.parametrize(
    ("text", "starts_at"),
    [
        ("Truce declared in El Fasher\nThe army said the truce begins at 6 a.m. on Wednesday.", at(3, 13, 4)),  # the lead after a headline
        ("Gaza ceasefire to start Sunday\nThe start was set for 8:30 a.m. local time.", at(3, 10, 6, 30)),  # the day, then its clock
        ("A truce in Gaza will begin on Saturday. It takes effect at 7 a.m. (0500 GMT).", at(3, 9, 5)),
        ("A truce in Gaza will begin on Saturday. Talks ended at 7 a.m.", at(3, 8, 22)),  # no start cue: the day stays
    ],
)
def test_a_later_sentence_gives_the_pause_its_clock_time(text, starts_at):
    assert timed(text).starts_at == starts_at


@pytest.mark.parametrize(
    "published",
    [datetime(9999, 12, 31, 23, 59, tzinfo=Z), datetime(1, 1, 1, tzinfo=Z), datetime(1850, 6, 1, tzinfo=Z)],
)
def test_an_impossible_publication_date_anchors_nothing_and_never_raises(published):
    ms = extract("A truce in Gaza will run from midnight on Friday until 31 December 9999, then for 72 hours.", published)
    assert ms
    assert all(m.starts_at is None and m.ends_at is None for m in ms)


def test_next_weekday_is_this_week_or_the_next_and_last_is_the_one_before():
    m = timed("A truce in Gaza will begin at 7 a.m. next Friday.")
    assert (m.starts_at, m.start_precision, m.start_range) == (at(3, 8, 5), "range", (at(3, 8, 5), at(3, 15, 5)))
    assert timed("A truce in Gaza took effect at 7 a.m. last Thursday.").starts_at == at(2, 29, 5)


def test_another_event_ending_is_not_the_pause_end():
    m = timed("The ceasefire in Gaza, agreed at talks that ended at 3 a.m., takes effect at noon on Friday.")
    assert (m.starts_at, m.ends_at) == (at(3, 8, 10), None)
    assert timed("A truce in Gaza took effect on Friday. It ended at 6 p.m. on Sunday.").ends_at == at(3, 3, 16)  # both past


def test_another_event_starting_is_not_the_pause_start():
    m = timed("The ceasefire in Gaza was agreed at talks that began at 10 a.m. on Monday, and takes effect at noon on Friday.")
    assert m.starts_at == at(3, 8, 10)
    assert timed("A truce in Gaza was agreed, but the curfew starts at 6 p.m.").starts_at is None


def test_an_absolute_time_on_the_named_day_reaches_the_pause_whatever_place_the_sentence_names():
    text = "The alliance announced a two-week ceasefire in Yemen from Thursday. It will begin at 10am GMT on Thursday (2pm Dubai time)."
    ms = extract(text, PUB)
    assert (ms[0].location, ms[0].starts_at, ms[0].ends_at) == ("Yemen", at(3, 7, 10), at(3, 21, 10))


def test_a_window_over_new_year_ends_in_the_next_year():
    m = timed("The holiday truce in the Philippines runs from 12:01 a.m. on Dec. 23 to 11:59 p.m. on Jan. 3.", at(12, 10, 9))
    assert (m.starts_at, m.ends_at) == (at(12, 22, 16, 1), at(1, 3, 15, 59, year=2025))


def test_a_date_without_year_far_ahead_is_the_one_before_flagged_with_both_years():
    # read on 7 March 2024: last November (four months back) rather than next (eight ahead), not sure
    m = timed("A ceasefire in Ukraine will start at 0700 GMT on November 2.")
    assert (m.starts_at, m.start_precision) == (at(11, 2, 7, year=2023), "range")
    assert m.start_range == (at(11, 2, 7, year=2023), at(11, 2, 7))
    assert any("no year" in n for n in m.time_notes)
    # its end is as doubtful as its start; a date a few weeks ahead is not in doubt
    m = timed("The holiday truce in the Philippines runs from 12:01 a.m. on Dec. 23 to 11:59 p.m. on Jan. 3.")
    assert (m.starts_at, m.ends_at, m.end_precision) == (at(12, 22, 16, 1, year=2023), at(1, 3, 15, 59), "range")
    assert timed("A truce in Yemen will take effect at 8 a.m. on April 20.").start_precision == "minute"
    # a weekday beside the date settles the year
    assert timed("A truce in Yemen will take effect at 8 a.m. on Sunday, November 19.").start_precision == "minute"


@pytest.mark.parametrize(
    ("text", "published", "starts_at"),
    [
        ("The truce in Gaza took effect at 8 a.m. on Dec. 24.", at(1, 5, 9, year=2025), at(12, 24, 6)),
        ("The truce in Gaza will take effect at 8 a.m. on Jan. 2.", at(12, 20, 9), at(1, 2, 6, year=2025)),
    ],
)
def test_a_date_without_year_is_the_one_nearest_publication(text, published, starts_at):
    assert timed(text, published).starts_at == starts_at


DATE_ONLY = at(3, 7, 12)  # a page that gives only its date (Thursday 7 March 2024)


@pytest.mark.parametrize(
    ("text", "published", "starts_at", "precision", "zone"),
    [
        # a start verb: "commence"
        ("The truce in Khartoum will commence at 6 a.m. on Wednesday.", PUB, at(3, 13, 4), "minute", "place"),
        # a time placed before the trigger: its onset, or its attribute
        ("Shells fell soon after the planned 8 p.m. (1800 GMT) onset of the ceasefire in Khartoum.", PUB, at(3, 6, 18), "minute", "stated"),
        ("The 6 a.m. truce in Khartoum will be the first in weeks.", PUB, at(3, 8, 4), "minute", "place"),
        # a date-only page is read as written in the news day's hours (06:00-18:00 local)
        ("A ceasefire in Gaza was due to take effect at 03:00 local time (0100 GMT).", DATE_ONLY, at(3, 8, 1), "range", "stated"),
        ("The truce in Khartoum took effect at 7 p.m.", DATE_ONLY, at(3, 6, 17), "range", "place"),
        ("The humanitarian corridor in Gaza will open at 10 a.m.", DATE_ONLY, at(3, 7, 8), "range", "place"),
        # "tonight" on a date-only page: that date may be a day off the writer's
        ("The ceasefire in Gaza starts at 2400 hours tonight.", DATE_ONLY, at(3, 7, 22), "range", "place"),
        # a bracket that gives "local time" and the UTC figure
        ("A ceasefire takes effect from 14:00 hours (local time, 0700 GMT) on 19 December 2025.", PUB, at(12, 19, 7, year=2025), "minute", "stated"),
        # "took hold" looks back; "take hold" is a start verb
        ("A ceasefire in Lebanon took hold at 4am local time (0200 GMT) on Wednesday.", PUB, at(3, 6, 2), "minute", "stated"),
        ("The truce in Gaza will take hold at 7 a.m. on Friday.", PUB, at(3, 8, 5), "minute", "place"),
        # a bare four-digit figure made a clock time by the bracketed UTC one
        ("The truce in Gaza takes effect at 0700 (0500 GMT) Friday.", PUB, at(3, 8, 5), "minute", "stated"),
        # "local" alone after a four-digit figure; a clock time said in words
        ("The truce in Gaza is due to start at 0700 local on Friday.", PUB, at(3, 8, 5), "minute", "place"),
        ("The ceasefire in Gaza will come into effect at 7 in the morning on Friday.", PUB, at(3, 8, 5), "minute", "place"),
        ("The truce in Gaza begins at 10 o'clock in the evening on Friday.", PUB, at(3, 8, 20), "minute", "place"),
        # "at 0700": a four-digit figure after "at" is a clock time
        ("The ceasefire in Gaza begins Friday 8 March at 0700.", PUB, at(3, 8, 5), "minute", "place"),
        # more zone abbreviations
        ("A truce in Yemen starts at 2 p.m. EAT on Friday.", PUB, at(3, 8, 11), "minute", "stated"),
        ("A truce in Yemen begins at 1pm UAE on Friday.", PUB, at(3, 8, 9), "minute", "stated"),
        ("The ceasefire in Myanmar takes effect at 6 a.m. MMT on Friday.", PUB, at(3, 7, 23, 30), "minute", "stated"),
    ],
)
def test_more_ways_news_states_a_start(text, published, starts_at, precision, zone):
    m = timed(text, published)
    assert (m.starts_at, m.start_precision, m.start_zone) == (starts_at, precision, zone)


def test_a_date_only_page_flags_both_days_a_bare_clock_time_can_fall_on():
    m = timed("A ceasefire in Gaza was due to take effect at 03:00 local time (0100 GMT).", DATE_ONLY)
    assert m.start_range == (at(3, 7, 1), at(3, 8, 1))  # the stamp's date, or the next day (the reading)
    m = timed("The truce in Khartoum took effect at 7 p.m.", DATE_ONLY)
    assert m.start_range == (at(3, 6, 17), at(3, 7, 17))


def test_a_later_naming_in_a_place_on_the_same_clock_gives_the_pause_its_time():
    text = (
        "A four-day pause came into effect in Gaza on Friday. "
        "The pause in hostilities, which started at 7 a.m. (local time), was the first break in seven weeks of war."
    )
    m = extract(text, at(3, 8, 12))[0]
    assert (m.location, m.starts_at, m.start_precision) == ("Gaza", at(3, 8, 5), "minute")


def test_a_time_in_no_zone_takes_the_one_party_zone_as_its_best_reading_still_flagged():
    m = timed("Easter truce declared\nRussia declared a truce from 18:00 on Saturday.")
    assert (m.starts_at, m.start_precision, m.start_zone) == (at(3, 9, 15), "range", "unknown")  # Moscow time
    assert m.start_range[0] <= m.starts_at <= m.start_range[1]
    m = timed("Easter truce declared\nRussia and the United States agreed a truce from 18:00 on Saturday.")  # parties in two zones
    assert (m.starts_at, m.start_precision, m.start_zone) == (None, "range", "unknown")


@pytest.mark.parametrize(
    ("text", "starts_at"),
    [
        # a non-state party's home (data: actors' "home") is its clock
        ("The Houthis said they would honour a truce from 22:00 on Saturday.", at(3, 9, 19)),  # Yemen, UTC+3
        ("The ELN declared a unilateral truce starting at 00:00 hours on Saturday.", at(3, 9, 5)),  # Colombia, UTC-5
        ("The M23 rebels said a truce would hold from 6 a.m. on Saturday.", at(3, 9, 4)),  # eastern DR Congo, UTC+2
        ("The Moro Islamic Liberation Front agreed a truce from 6 a.m. on Saturday.", at(3, 8, 22)),  # Philippines, UTC+8
        ("The Taliban announced a truce from 6 a.m. on Saturday.", at(3, 9, 1, 30)),  # Afghanistan, UTC+4:30
        ("Al-Shabaab fighters said a truce would start at 6 a.m. on Saturday.", at(3, 9, 3)),  # Somalia, UTC+3
        # no party with a zone: the dateline's place, where the story was filed
        ("MANILA — Troops and rebels agreed a truce in Barangay Qolpo from 8 a.m. on Saturday.", at(3, 9, 0)),
        ("KINSHASA – Officials said a truce in the Zorvu area took effect at 06:00 local time on Tuesday.", at(3, 5, 5)),
        ("NAY PYI TAW, 6 March – The council said its truce would begin at 06:00 on Saturday.", at(3, 8, 23, 30)),
        # parties on two clocks: the dateline's, when it keeps one of theirs
        ("MOSCOW — The Kremlin and the US agreed a truce in Qolpo from 18:00 on Saturday.", at(3, 9, 15)),
    ],
)
def test_a_time_in_no_zone_takes_a_partys_home_or_the_datelines_zone_still_flagged(text, starts_at):
    m = timed(text)
    assert (m.starts_at, m.start_precision, m.start_zone) == (starts_at, "range", "unknown"), text
    assert m.start_range[0] <= m.starts_at <= m.start_range[1]


def test_a_mediator_never_gives_a_pause_its_zone():
    # no place, no side: the mediator's clock (UTC+3) is not the pause's; the time stays flagged
    m = timed("Qatar's foreign ministry announced that the truce would now run for 48 more hours, until 7 a.m. Saturday.")
    assert (m.ends_at, m.end_precision, m.end_zone) == (None, "range", "unknown")
    m = timed("A truce took effect at 8 p.m. on Tuesday, after talks hosted by Malaysia's prime minister.")
    assert (m.starts_at, m.start_zone) == (None, "unknown")
    m = timed("Egypt, which brokered the truce, said it would begin at 6 a.m. on Saturday.")
    assert (m.location, m.starts_at, m.start_zone) == (None, None, "unknown")
    # the sides named: theirs (Israel, UTC+2)
    m = timed("Qatar said the pause between Israel and Hamas had been extended until 7 a.m. Saturday.")
    assert (m.ends_at, m.end_zone) == (at(3, 9, 5), "place")


def test_a_border_pause_keeps_the_two_states_clock():
    m = timed("Guns fell silent at 9 p.m. on Tuesday as a truce on the Thai-Cambodian border began, after talks hosted by Malaysia's prime minister.")
    assert (m.location, m.starts_at) == ("Cambodia\u2013Thailand border", at(3, 5, 14))  # UTC+7, not Malaysia's UTC+8
    # two states on different clocks (Kabul UTC+4:30, Pakistan UTC+5): either reading, flagged
    m = timed("A truce on the Afghan-Pakistani border took effect at 6 p.m. on Tuesday.")
    assert (m.start_range, m.start_precision) == ((at(3, 5, 13), at(3, 5, 13, 30)), "range")


def test_midnight_on_a_day_in_no_zone_takes_a_partys_home_as_its_best_reading():
    m = timed("Clashes were reported on Wednesday, although a truce that M23 rebels declared had taken effect at midnight on Tuesday.")
    # eastern DR Congo (UTC+2): the midnight that opens Tuesday, still flagged (it may be the one that ends it)
    assert (m.starts_at, m.start_precision, m.start_zone) == (at(3, 4, 22), "range", "unknown")
    assert m.start_local == "2024-03-05T00:00/2024-03-06T00:00"
    for text in (
        "The Congo River Alliance said a truce would hold from 6 a.m. on Saturday.",
        "The AFC/M23 said a truce would hold from 6 a.m. on Saturday.",
        "A truce announced by the M23 rebel alliance would hold from 6 a.m. on Saturday.",
    ):
        assert timed(text).starts_at == at(3, 9, 4), text


def test_a_dateline_gives_no_location_and_gives_way_to_a_party_and_a_named_place():
    m = timed("MANILA — Troops and rebels agreed a truce in Barangay Qolpo from 8 a.m. on Saturday.")
    assert m.location is None  # the dateline is where the story was filed
    m = timed("GENEVA — The Houthis said they would honour a truce from 22:00 on Saturday.")
    assert m.starts_at == at(3, 9, 19)  # the party's home, not the dateline's
    m = timed("MANILA — The M23 agreed a truce in Goma from 6 a.m. on Saturday.")
    assert (m.location, m.starts_at, m.start_precision) == ("Goma", at(3, 9, 4), "minute")
    m = timed("GENEVA — The Kremlin and the US agreed a truce in Qolpo from 18:00 on Saturday.")
    assert (m.starts_at, m.start_precision) == (None, "range")  # the parties differ, the dateline keeps neither


@pytest.mark.parametrize("place", ["Kitshanga", "Goma", "Nord-Kivu", "South Kivu", "Bukavu", "Ituri"])
def test_eastern_dr_congo_keeps_lubumbashi_time(place):
    m = timed(f"A truce in {place} will take effect at 6 a.m. on Saturday.")
    assert (m.starts_at, m.start_precision) == (at(3, 9, 4), "minute"), place  # UTC+2, not Kinshasa's UTC+1


@pytest.mark.parametrize(
    ("text", "starts_at"),
    [
        ("The truce in Gaza will begin on Friday evening at 7:30.", at(3, 8, 17, 30)),
        ("The truce in Gaza will begin on Friday afternoon at 3 local time.", at(3, 8, 13)),
        ("The truce in Gaza will begin on Friday morning at 9.", at(3, 8, 7)),
        ("The truce in Gaza began on Friday morning at 8 checkpoints.", at(3, 1, 4)),  # a count, not a clock: the morning
    ],
)
def test_a_bare_figure_after_a_part_of_the_day_and_at_is_its_clock_time(text, starts_at):
    assert timed(text).starts_at == starts_at, text


def test_a_dateline_zone_reads_a_part_of_the_day_clock_time():
    m = timed("COTABATO CITY — Soldiers and rebels agreed a 10-hour pause in Barangay Qolpo from tomorrow morning at 7.")
    assert (m.starts_at, m.ends_at, m.start_precision, m.start_zone) == (at(3, 7, 23), at(3, 8, 9), "range", "unknown")  # Manila


def test_an_end_coordinated_with_the_start_is_the_pause_end():
    m = timed("A ceasefire in Gaza will begin at 7 a.m. on Friday and end at 7 a.m. on Tuesday.")
    assert (m.starts_at, m.ends_at, m.end_precision) == (at(3, 8, 5), at(3, 12, 5), "minute")
    m = timed("A ceasefire in Gaza will begin at 7 a.m. on Friday and the talks end at 9 a.m. on Tuesday.")
    assert m.ends_at is None  # another subject's end


def test_a_year_before_local_is_not_a_clock_time():
    m = timed("The truce in Gaza agreed after 2014 local elections will start on Friday.")
    assert (m.starts_at, m.start_precision) == (at(3, 7, 22), "day")


def test_a_four_digit_figure_after_at_before_a_word_is_not_a_clock_time():
    for text in ("The ceasefire in Gaza was agreed at 2024 talks.", "The ceasefire in Gaza held at 1500 metres on the ridge."):
        assert all(m.start_text is None for m in extract(text, PUB)), text


MONDAY_NOON = at(3, 11, 12)  # a page that gives only its date: Monday 11 March 2024


@pytest.mark.parametrize(
    ("text", "published", "starts_at", "precision"),
    [
        # the day the news was told on anchors a clock time without a day, not the publication
        ("The rebels announced on Sunday a ceasefire in Colombia starting at midnight.", MONDAY_NOON, at(3, 11, 5), "minute"),
        ("The ceasefire in Gaza will start at midnight, the army said on Sunday.", at(3, 11, 10), at(3, 10, 22), "minute"),
        # another clock time: that day's, or the next (flagged)
        ("The army said on Sunday the truce in Gaza would begin at 6 p.m.", at(3, 11, 10), at(3, 10, 16), "range"),
        # "had proposed" is the proposal's tense; the truce it proposed lies ahead
        ("Earlier, the patriarch had proposed a truce in Ukraine from noon on Friday.", PUB, at(3, 8, 10), "minute"),
    ],
)
def test_a_reported_day_and_the_tense_of_the_time_itself(text, published, starts_at, precision):
    m = timed(text, published)
    assert (m.starts_at, m.start_precision) == (starts_at, precision)


def test_the_end_of_a_pause_in_effect_lies_ahead():
    # in effect since Monday: its start looks back, its end (no end verb in the past) ahead
    m = timed("The truce in Gaza, in effect since Monday, is to continue until at least 1600 GMT on Saturday.")
    assert (m.starts_at, m.ends_at) == (at(3, 3, 22), at(3, 9, 16))
    # a clock time alone after a start day gone by counts from publication, not from that day
    m = timed("The truce in Aleppo, in effect since Monday, is to continue until at least 1600 GMT.", DATE_ONLY)
    assert m.ends_at == at(3, 7, 16)


def test_start_and_duration_in_two_namings_give_the_end():
    ms = extract("The ceasefire in Gaza was set to start at 9 a.m. local time [2 a.m. New York time] on Friday. It was meant to last for 48 hours.", PUB)
    assert (ms[0].starts_at, ms[0].ends_at) == (at(3, 8, 7), at(3, 10, 7))
    # a collapsed pause keeps the term it was to have, told in its sentence (the record is
    # closed by the collapse: no countdown fires for it)
    m = timed("The 72-hour truce in Gaza, which began at 6 a.m. on Monday, collapsed.")
    assert m.ends_at == m.starts_at + timedelta(hours=72)


@pytest.mark.parametrize(
    ("text", "starts_at", "precision"),
    [
        # "had come into effect" looks back, though "come into" alone looks ahead
        ("The army said the ceasefire in Gaza had come into effect at 7 a.m. on Tuesday.", at(3, 5, 5), "minute"),
        # the day of the deal, right before publication: that day's 10 a.m. or the next (flagged)
        ("Hamas and Israel agreed on Wednesday to a four-day truce in Gaza that begins at 10 a.m.", at(3, 6, 8), "range"),
        # a deal days before publication: from that day's reading to the publication's, flagged
        ("Israel and Hamas on Monday agreed to a ceasefire in Gaza starting at 8 a.m.", at(3, 4, 6), "range"),
        # a clock time opening the sentence, with a start cue after the trigger
        ("At 6 a.m. on Friday, a ceasefire in Gaza will take effect.", at(3, 8, 4), "minute"),
    ],
)
def test_which_day_a_clock_time_belongs_to(text, starts_at, precision):
    m = timed(text, DATE_ONLY)
    assert (m.starts_at, m.start_precision) == (starts_at, precision)


def test_an_opening_clock_time_is_not_a_start_when_the_sentence_tells_the_deal():
    assert timed("At 2 a.m. on Friday, negotiators agreed to a ceasefire in Gaza.", DATE_ONLY).start_text is None


def test_an_end_after_will_and_an_adverb_is_the_pause_end():
    m = timed("The pause in Gaza was extended by 48 hours and will now end at 7 a.m. (0500 GMT) on Saturday.")
    assert m.ends_at == at(3, 9, 5)


def test_a_bracketed_weekday_is_the_one_nearest_the_main_reading():
    # midnight at the start of Thursday in Syria; the bracket names the UTC day, Wednesday
    m = timed("Syria's government and rebels agreed a ceasefire starting at midnight Thursday (2200 GMT Wednesday).", DATE_ONLY)
    assert (m.starts_at, m.start_zone) == (at(3, 6, 22), "stated")


@pytest.mark.parametrize(
    ("text", "starts_at", "precision"),
    [
        ("The truce in Gaza will begin at 12:00 midnight on Saturday.", at(3, 8, 22), "range"),  # midnight, not noon
        ("The truce in Gaza will begin at midnight Saturday night.", at(3, 9, 22), "minute"),  # the end of Saturday
    ],
)
def test_midnight_said_with_twelve_or_with_the_night(text, starts_at, precision):
    m = timed(text)
    assert (m.starts_at, m.start_precision) == (starts_at, precision)


def test_a_first_place_zone_is_doubted_when_the_text_names_places_on_other_clocks():
    # no pause place: the first place named gives the best reading; Kyiv keeps another clock in March
    m = timed("Russia and Ukraine agreed a ceasefire that begins at 6 a.m. on Monday.")
    assert (m.starts_at, m.start_precision, m.start_range) == (at(3, 11, 3), "range", (at(3, 11, 3), at(3, 11, 4)))
    assert timed("Russia agreed a ceasefire that begins at 6 a.m. on Monday.").start_precision == "minute"


def test_parties_on_one_clock_give_the_best_reading_of_a_zoneless_time():
    m = timed("Truce declared\nArmenia and Azerbaijan agreed a truce from 18:00 on Saturday.")
    assert (m.starts_at, m.start_precision, m.start_zone) == (at(3, 9, 14), "range", "unknown")  # Yerevan and Baku: both UTC+4


def test_the_same_open_reading_named_twice_stays_open():
    text = "Armenia and Azerbaijan agreed to a humanitarian ceasefire. The truce will begin at midnight on Sunday, the ministers said."
    ms = extract(text, PUB)
    assert ms and all(m.start_precision == "range" for m in ms if m.start_text)
    # a day named in one sentence settles which reading of a clock time in the next is meant
    m = extract("A truce in Gaza will begin on Saturday. It takes effect at 7 a.m. (0500 GMT).", DATE_ONLY)[0]
    assert (m.starts_at, m.start_precision) == (at(3, 9, 5), "minute")


def test_a_start_cue_and_its_time_around_a_list_of_places():
    text = "Russia announced a humanitarian ceasefire in Ukraine. Corridors will be set up for Kharkiv, Sumy and Mariupol at 10:00 Moscow time (0700 GMT)."
    m = extract(text, DATE_ONLY)[0]
    assert (m.starts_at, m.start_zone) == (at(3, 7, 7), "stated")


def test_an_extension_end_lies_ahead_of_publication_not_after_the_old_start():
    # published Thursday 7 March: the truce began on Friday 1 March; "was extended until" is not an end gone by
    m = timed("The truce in Gaza, which began on Friday at 7 a.m., was extended until 7 a.m. on Tuesday.")
    assert (m.starts_at, m.ends_at) == (at(3, 1, 5), at(3, 12, 5))
    # an end verb in the past keeps the first Tuesday after the start
    m = timed("The truce in Gaza, which began on Friday at 7 a.m., lasted until 7 a.m. on Tuesday.")
    assert m.ends_at == at(3, 5, 5)


def test_a_country_on_several_clocks_gives_a_range():
    m = timed("The ceasefire in DR Congo takes effect at 6 a.m. on Friday.")
    assert (m.starts_at, m.start_precision, m.start_range) == (at(3, 8, 5), "range", (at(3, 8, 4), at(3, 8, 5)))  # Kinshasa .. Goma
    assert timed("The ceasefire in Goma takes effect at 6 a.m. on Friday.").start_precision == "minute"


def test_tonight_and_tomorrow_count_from_the_day_told():
    m = timed("The army said on Sunday the truce in Gaza would begin tomorrow at 6 a.m.", at(3, 11, 10))
    assert (m.starts_at, m.start_precision) == (at(3, 11, 4), "minute")
    m = timed("The rebels announced on Sunday a ceasefire in Colombia starting at midnight tonight.", MONDAY_NOON)
    assert m.starts_at == at(3, 11, 5)


@pytest.mark.parametrize(
    ("text", "published", "starts_at", "precision"),
    [
        # a weekday in a sentence told on Tuesday, read on Thursday: Wednesday after the telling (a late page), flagged
        ("A ceasefire in Lebanon will take effect at 4 a.m. on Wednesday (0200 GMT), the envoy said on Tuesday.", DATE_ONLY, at(3, 6, 2), "range"),
        # a plan told in the past: the weekday nearest publication, either side
        ("The ceasefire in Gaza was due to take effect at 8:30 a.m. Sunday (0630 GMT).", at(3, 11, 12), at(3, 10, 6, 30), "minute"),
        ("The ceasefire in Gaza was due to take effect at 8:30 a.m. Sunday (0630 GMT).", at(3, 9, 12), at(3, 10, 6, 30), "minute"),
        # four-digit figures: the second makes the first a clock time
        ("The pause in Gaza will hold from 0800 to 1600 local time daily.", DATE_ONLY, at(3, 7, 6), "range"),
    ],
)
def test_more_days_and_figures(text, published, starts_at, precision):
    m = timed(text, published)
    assert (m.starts_at, m.start_precision) == (starts_at, precision)


def test_an_opening_clock_time_before_a_pause_said_as_a_verb():
    m = timed("At 6 a.m. on Monday, Armenia and Azerbaijan will stop fighting in Nagorno-Karabakh.")
    assert (m.start_text, m.starts_at) == ("At 6 a.m. on Monday", at(3, 11, 2))


def test_a_day_after_is_not_a_daily_window():
    assert timed("The truce in Gaza expires at 0400 GMT on Sunday, a day after it was extended.").recurrence is None
    assert timed("The humanitarian pause in Gaza will last four hours a day from 10 a.m.").recurrence == "daily"


@pytest.mark.parametrize(
    ("text", "starts_at"),
    [
        # the end of the fighting is the pause's start, not its end
        ("Israel and Hezbollah agreed to a truce in Lebanon. The envoy said fighting would end at 4 a.m. on Friday.", at(3, 8, 2)),
        ("The two armies agreed a ceasefire in Sudan. The guns will fall silent at 6 p.m. on Friday.", at(3, 8, 16)),
        ("Fighting in Gaza stopped at 7 a.m. on Thursday as the truce took hold.", at(3, 7, 5)),
        ("A truce was agreed for Yemen: hostilities along the border are to cease at 0900 GMT on Saturday.", at(3, 9, 9)),
    ],
)
def test_fighting_that_ends_at_a_time_starts_the_pause(text, starts_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, None)


def test_the_pause_ending_at_a_time_is_still_its_end():
    m = timed("The truce in Yemen will end at 6 a.m. on Saturday.")
    assert (m.starts_at, m.ends_at) == (None, at(3, 9, 3))


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        # no publication date: a weekday or a bare clock time counts from the text's own full date, flagged
        ("On Tuesday, March 12, 2024, the ceasefire in Gaza collapsed. The truce ended at 6 a.m. local time (04:00 GMT).", "end", at(3, 12, 4)),
        ("The envoy spoke in Muscat on Monday, 11 March 2024. The sides agreed a truce in Yemen that will take effect at 9 p.m. on Wednesday.", "start", at(3, 13, 18)),
    ],
)
def test_an_undated_article_counts_from_its_own_full_date(text, field, expected):
    m = timed(text, None)
    point, precision = (m.starts_at, m.start_precision) if field == "start" else (m.ends_at, m.end_precision)
    assert (point, precision) == (expected, "range")  # flagged: the text's date may not be the news day
    assert any("no publication date" in n for n in m.time_notes)


def test_an_undated_article_keeps_a_start_with_its_own_date():
    m = timed("On Tuesday, July 15, 2014, a 48-hour truce in Gaza will begin at 7 a.m. local time on Tuesday, July 15, 2014.", None)
    assert (m.starts_at, m.start_precision) == (at(7, 15, 4, year=2014), "minute")


def test_an_undated_article_without_a_full_date_still_resolves_no_weekday():
    m = timed("A truce in Yemen will take effect at 9 p.m. on Wednesday.", None)
    assert (m.starts_at, m.start_range) == (None, None)


def test_a_day_after_a_deal_verb_and_its_object_is_the_deal_day():
    # "agreed a ceasefire on Wednesday": when it was agreed, not when it starts
    m = timed("Pakistan and Afghanistan agreed a 48-hour ceasefire on Tuesday.")
    assert (m.start_text, m.starts_at, m.start_range) == (None, None, None)
    # a start cue or "from" still makes the day the start
    m = timed("Pakistan and Afghanistan agreed a ceasefire to take effect on Saturday.")
    assert m.start_text == "on Saturday"
    m = timed("Pakistan declared a ceasefire in Kurram from Saturday.")
    assert m.start_text == "from Saturday"


@pytest.mark.parametrize(
    ("text", "ends_at"),
    [
        # an end with a clock time and no day, in the sentence after the start, lies after that start
        ("A humanitarian pause in Rafah will begin at 10 a.m. on Saturday. The pause will last until 2 p.m., the army said.", at(3, 9, 12)),
        ("A truce in Yemen will begin at 10 p.m. on Saturday. It will last until 6 a.m., the envoy said.", at(3, 10, 3)),
    ],
)
def test_an_end_in_the_next_sentence_counts_from_the_start(text, ends_at):
    m = timed(text)
    assert m.ends_at == ends_at


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # a four-digit figure with a leading zero before "on" is a clock time, not a year
        ("The truce in Ukraine will last from 0000 on March 8 to 0000 on March 11, Moscow time.", at(3, 7, 21), at(3, 10, 21)),
        ("The truce in Yemen takes effect from 0700 on Friday.", at(3, 8, 4), None),
    ],
)
def test_a_leading_zero_figure_before_a_day_is_a_clock_time(text, starts_at, ends_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, ends_at)


def test_a_plan_set_for_a_weekday_is_the_one_nearest_publication():
    # "was set for" is a plan told in the past, like "was due to": either side of publication
    m = timed("A ceasefire in Ukraine was set for 8 a.m. Kyiv time Friday.", DATE_ONLY)
    assert m.starts_at == at(3, 8, 6)


def test_a_start_clock_takes_the_day_of_the_end_joined_to_it():
    # one clause, both within a day: the end's day is the start's too
    m = timed("The pause in Gaza began at 9 a.m. and lasted until 3 p.m. on Tuesday.", DATE_ONLY)
    assert (m.starts_at, m.ends_at) == (at(3, 5, 7), at(3, 5, 13))
    # a longer pause: the day is the end's only
    m = timed("The truce in Gaza began at 9 a.m. and will last until 6 p.m. on Friday.", DATE_ONLY)
    assert m.ends_at == at(3, 8, 16) and m.start_precision == "range"


def test_an_end_verb_after_a_relative_clause_is_the_pause_end():
    m = timed("The energy truce in Ukraine, which began on March 1, ended at 00:00 on March 5, Moscow time.")
    assert m.ends_at == at(3, 4, 21)


def test_eval_scores_undated_passages_apart_and_still_ceils_their_confident_errors():
    from tracker.extract.evaluate import below_floors, evaluate

    base = {"is_pause_event": True, "kind": "truce", "status": "agreed", "duration_hours": None, "location": "Gaza"}
    text = "A truce in Gaza will take effect at 11:00 GMT on Friday."
    rows = [
        {**base, "id": "dated", "text": text, "published": "2024-03-07T09:30:00Z", "starts_at": "2024-03-08T11:00:00Z", "ends_at": None},
        # no publication date and no date in the text: which Friday is not knowable
        {**base, "id": "undated", "text": text, "starts_at": "2024-03-15T11:00:00Z", "ends_at": None},
    ]
    result = evaluate(rows)
    assert (result["start_exact"], result["time_labels"]["starts_at"]) == (1.0, 1)
    assert result["undated"]["time_labels"]["starts_at"] == 1 and result["undated"]["start_exact"] == 0.0
    # the undated Friday is flagged (its day counted from nothing), so it is not confidently wrong
    assert result["undated"]["confidently_wrong"] == 0.0 and not below_floors(result)
    result["undated"]["confidently_wrong"] = 0.5
    assert "undated confidently_wrong 0.5 > 0.03" in below_floors(result)
@pytest.mark.parametrize(
    ("text", "starts_at", "earliest", "latest"),
    [
        # an offset from publication (09:30 UTC): its best reading, always a range
        ("The ceasefire in Gaza will take effect in approximately six hours, mediators said.", at(3, 7, 15, 30), at(3, 7, 14), at(3, 7, 17)),
        ("The truce in Lebanon is expected to begin in two hours.", at(3, 7, 11, 30), at(3, 7, 10, 30), at(3, 7, 12, 30)),
        ("A humanitarian pause in Gaza will begin in about 30 minutes.", at(3, 7, 10), at(3, 7, 9), at(3, 7, 11)),
        # "within" and "less than": any time up to it
        ("A truce in Gaza will begin within 24 hours, officials said.", at(3, 8, 9, 30), PUB, at(3, 8, 9, 30)),
        ("A truce in Gaza is due to begin in less than an hour.", at(3, 7, 10, 30), PUB, at(3, 7, 10, 30)),
        ("The ceasefire in Gaza will take effect 24 hours from now.", at(3, 8, 9, 30), at(3, 8, 3, 30), at(3, 8, 15, 30)),
        ("The truce in Sudan took effect two hours ago.", at(3, 7, 7, 30), at(3, 7, 6, 30), at(3, 7, 8, 30)),
    ],
)
def test_an_offset_from_publication_is_a_range_around_published_plus_offset(text, starts_at, earliest, latest):
    m = timed(text)
    assert (m.starts_at, m.start_precision, m.start_range) == (starts_at, "range", (earliest, latest))


def test_an_offset_is_no_start_without_a_start_verb_or_a_publication():
    assert timed("The truce in Gaza was violated 20 times in 24 hours, the army said.").starts_at is None
    assert timed("The ceasefire in Gaza will begin within 24 hours of the signing.").start_range is None
    ms = extract("The ceasefire in Gaza will take effect in approximately six hours.", None)
    assert ms and ms[0].starts_at is None and ms[0].start_range is None


def test_a_flagged_start_and_a_duration_give_a_flagged_end_with_its_best_reading():
    # a bare clock time on a date-only page: its best reading, flagged; the end follows it
    m = timed("A four-day truce in Gaza is set to begin at 7 a.m. (0500 GMT).", DATE_ONLY)
    assert (m.starts_at, m.start_precision) == (at(3, 7, 5), "range")
    assert (m.ends_at, m.end_precision, m.end_range) == (at(3, 11, 5), "range", (at(3, 11, 5), at(3, 12, 5)))
    m = timed("Iran and Israel agreed to a 12-hour ceasefire that will begin in roughly six hours.")
    assert (m.ends_at, m.end_precision) == (at(3, 8, 3, 30), "range")


def test_a_daily_window_takes_the_day_it_starts_on_after_it():
    m = timed("The humanitarian pause in Gaza will run from 10 a.m. to 2 p.m. daily, starting on Saturday.")
    assert (m.starts_at, m.ends_at, m.start_precision) == (at(3, 9, 8), at(3, 9, 12), "minute")
    assert timed("The humanitarian pause in Gaza will run daily from 10 a.m. to 2 p.m., starting Saturday.").starts_at == at(3, 9, 8)
    # a later day that is another event's stays out
    assert timed("The truce in Gaza begins at 10 a.m., and talks resume on Saturday.").starts_at == at(3, 8, 8)  # the next 10 a.m.


def test_an_extension_length_gives_no_end_from_the_pause_old_start():
    m = timed("The ceasefire in Gaza, which started at 7 a.m. (0500 GMT) on Friday, was extended by two days.")
    assert (m.starts_at, m.ends_at, m.end_range) == (at(3, 1, 5), None, None)
    m = timed("The truce in Gaza was extended for 48 hours starting from 7 a.m. (0500 GMT) on Saturday.")
    assert (m.starts_at, m.ends_at) == (at(3, 9, 5), at(3, 11, 5))


@pytest.mark.parametrize(
    ("text", "starts_at", "zone"),
    [
        # a four-digit figure before any zone abbreviation is a clock time
        ("The ceasefire in Kashmir begins at 1700 IST on Friday.", at(3, 8, 11, 30), "stated"),
        ("The truce in Ukraine starts from 2000 MSK on Saturday.", at(3, 9, 17), "stated"),
        # a dotted figure right after "at"
        ("The ceasefire in Gaza came into force at 00.01 on Sunday.", at(3, 2, 22, 1), "place"),
        ("The truce in Gaza will begin at 10.30 on Friday.", at(3, 8, 8, 30), "place"),
    ],
)
def test_four_digit_and_dotted_figures_as_clock_times(text, starts_at, zone):
    m = timed(text)
    assert (m.starts_at, m.start_zone) == (starts_at, zone)


def test_figures_that_are_no_clock_times_stay_numbers():
    assert "2024" not in (timed("A truce in Gaza will begin after 2024 talks in Cairo end.").start_text or "")
    assert timed("The truce in Gaza held, with prices up at 10.5 percent, the army said on Friday.").starts_at is None


def test_in_place_since_is_the_start():
    m = timed("The truce in Gaza, in place since 7 a.m. Friday, was holding on Saturday.")
    assert (m.starts_at, m.start_precision) == (at(3, 1, 5), "minute")


def test_midnight_on_the_day_told_ahead_is_the_midnight_that_ends_it():
    # published on Thursday 7 March: Thursday's first midnight is gone by
    m = timed("The truce in Gaza begins at midnight on Thursday.")
    assert (m.starts_at, m.start_precision, m.start_range) == (at(3, 7, 22), "range", (at(3, 6, 22), at(3, 7, 22)))
    assert timed("The truce in Gaza will begin at midnight on March 7.", DATE_ONLY).starts_at == at(3, 7, 22)
    # looking back, or told on another day: the start of that day, still a range
    assert timed("The truce in Gaza began at midnight on Thursday.").starts_at == at(3, 6, 22)
    assert timed("The truce in Gaza begins at midnight on Friday.").starts_at == at(3, 7, 22)
    # no publication: the text's own date may be the phrase's, so it says nothing of the day told
    m = timed("At midnight on Thursday, March 7, 2024, Israel and Hamas will formally stop fighting in Gaza.", None)
    assert (m.starts_at, m.start_precision) == (at(3, 6, 22), "range")


def test_an_end_after_a_start_read_from_the_day_told_follows_that_start():
    # told on Saturday, read on Monday: Saturday's window, with the one ahead of publication kept in range
    text = "Putin on Saturday declared a truce in Ukraine from 6 p.m. Moscow time (1500 GMT) on Saturday until midnight on Sunday."
    m = timed(text, at(4, 21, 12, year=2025))
    assert (m.starts_at, m.start_precision) == (at(4, 19, 15, year=2025), "range")
    assert (m.ends_at, m.end_precision) == (at(4, 20, 21, year=2025), "range")
    assert m.end_range == (at(4, 20, 21, year=2025), at(4, 27, 21, year=2025))


@pytest.mark.parametrize(
    ("text", "ends_at"),
    [
        ("A truce in Gaza will take effect at 7 a.m. on Friday. It expires at midnight on Sunday.", at(3, 10, 22)),
        ("A truce in Gaza will take effect at 7 a.m. on Friday, Qatar said. Officials said it would run until 7 a.m. on Tuesday.", at(3, 12, 5)),
        # a clock time alone: after the start
        ("A truce in Gaza will take effect at 7 a.m. on Friday. Officials said it would hold until 5 p.m.", at(3, 8, 15)),
        # another event's end is not the pause's
        ("A truce in Gaza will take effect at 7 a.m. on Friday. Talks in Cairo ended at 3 a.m. on Thursday.", None),
    ],
)
def test_a_later_sentence_gives_a_started_pause_its_end(text, ends_at):
    m = extract(text, PUB)[0]
    assert (m.starts_at, m.ends_at) == (at(3, 8, 5), ends_at)


def test_was_to_begin_is_a_plan_told_in_the_past():
    # read on Thursday: the Tuesday nearest publication, either side (here two days back)
    m = timed("The US said the sides agreed to a truce in Sudan. The truce was to start at 6 p.m. (1600 GMT) on Tuesday.")
    assert m.starts_at == at(3, 5, 16)
    assert timed("The truce in Sudan was to start at 6 p.m. (1600 GMT) on Friday.").starts_at == at(3, 8, 16)


@pytest.mark.parametrize(
    ("text", "ends_at"),
    [
        # the term the extension moves, told before its verb: moved by the extension's length
        ("The truce in Gaza, which was due to expire at 7 a.m. on Thursday, was extended by 24 hours.", at(3, 8, 5)),
        ("Qatar said the truce in Gaza, due to expire at 7 a.m. on Monday, would be extended by two days.", at(3, 13, 5)),
        # the new end after the verb is the end as told
        ("The truce in Gaza was extended for two more days, until 7 a.m. (0500 GMT) on Wednesday.", at(3, 13, 5)),
        # the extension told as more of the same, without an extension verb
        ("While the humanitarian corridor in Gaza was set to stay open until 2 p.m. on Friday, the army said it would remain open for another hour.", at(3, 8, 13)),
        ("The truce in Gaza, due to end at 7 a.m. on Friday, will hold for two more days, the mediators said.", at(3, 10, 5)),
    ],
)
def test_an_extension_moves_the_end_told_before_it(text, ends_at):
    assert timed(text, DATE_ONLY).ends_at == ends_at


@pytest.mark.parametrize(
    ("text", "published", "ends_at"),
    [
        # the old term in a relative clause, the extension verb before it, the new end after it
        ("Mediators said the parties agreed to extend a truce in Khartoum that was scheduled to expire at 5 a.m. on "
         "Wednesday until 8 p.m. on Saturday.", PUB, at(3, 9, 18)),
        # a stated new end wins over the old term and the length (here 14:00 Wed + 24 h would be Thursday)
        ("The ceasefire in Ukraine, which had been scheduled to end at 14:00 on Wednesday, was extended by another day, "
         "until 18:00 Friday Moscow time.", DATE_ONLY, at(3, 8, 15)),
        ("The ceasefire in Ukraine, which had been scheduled to end at 14:00 on Wednesday, was extended by 72 hours, "
         "until 14:00 Saturday Moscow time.", DATE_ONLY, at(3, 9, 11)),
        # only a length, told before the trigger: the old term read nearest publication (gone by), moved by it
        ("Israel and Hamas agreed to extend by 48 hours a truce in Gaza that had been due to lapse at midnight on "
         "Wednesday (2200 GMT).", PUB, at(3, 8, 22)),
        ("The army agreed to prolong by two days a truce in Aleppo that was set to expire at 6 p.m. on Tuesday.", DATE_ONLY, at(3, 7, 15)),
        ("The army agreed to prolong by two days a truce in Aleppo that was set to expire at 6 p.m. on Tuesday.",
         at(3, 5, 16, 10), at(3, 7, 15)),  # an hour after the old term, the same day
        ("The truce in Kabul, which expired at noon on Wednesday, was renewed for another 24 hours.", PUB, at(3, 7, 7, 30)),
        # the old term with no new end told: no end rather than the old one
        ("The sides agreed to extend the truce in Yemen, which had been due to end at 6 p.m. on Friday, until the end of "
         "the month.", PUB, None),
    ],
)
def test_the_old_term_of_an_extension_is_not_its_end(text, published, ends_at):
    m = timed(text, published)
    assert (m.status, m.ends_at) == ("extended", ends_at)


def test_the_old_term_of_an_extension_is_no_ending():
    m = timed("Around Hodeidah port the truce, which was originally due to lapse on Tuesday at 19:00, has now been prolonged "
              "for 48 more hours, until 7 p.m. on Thursday Yemen time, an official said.", at(3, 5, 11))
    assert (m.status, m.duration_hours, m.ends_at) == ("extended", 48, at(3, 7, 16))


def test_a_term_planned_in_the_past_without_an_extension_is_read_nearest_publication():
    m = timed("The truce in Gaza, which was due to expire at 7 a.m. on Monday, collapsed after rockets were fired.")
    assert (m.status, m.ends_at) == ("collapsed", at(3, 4, 5))


@pytest.mark.parametrize(
    "text",
    [
        "The truce in Gaza is due to run out at 7 a.m. on Monday.",
        "The truce in Gaza runs out at 7 a.m. on Monday.",
        "The truce in Gaza lapses at 7 a.m. on Monday.",
        "The truce in Gaza will be over at 7 a.m. on Monday.",
        "The truce in Gaza comes to an end at 7 a.m. on Monday.",
        "The four-day truce in Gaza is due to finish at 7 a.m. on Monday.",
        "The truce in Gaza is scheduled to conclude at 7 a.m. on Monday.",
        "The truce in Gaza, expiring at 0500 GMT on Monday, may be extended.",
    ],
)
def test_end_verbs_give_the_end_not_the_start(text):
    m = timed(text)
    assert (m.starts_at, m.start_range, m.ends_at) == (None, None, at(3, 11, 5))


@pytest.mark.parametrize(
    "text",
    [
        "The truce in Gaza was violated at 7 a.m. on Monday when a rocket was fired.",
        "Hamas violated the truce in Gaza at 7 a.m. on Monday.",
        "The truce in Gaza was signed at 10 a.m. on Monday.",
        "The truce in Gaza was agreed at 2 a.m. on Monday after talks.",
        "The Israeli cabinet will vote on the truce in Gaza at 8 p.m. on Monday.",
        "Hostages will be released under the truce in Gaza at 4 p.m. on Friday.",
    ],
)
def test_a_breach_or_the_deal_at_a_time_is_no_start(text):
    m = timed(text)
    assert (m.starts_at, m.start_range) == (None, None)


def test_a_collapse_at_a_time_is_the_end_but_not_talks_collapsing():
    assert timed("The truce in Gaza collapsed at 7 a.m. on Monday.").ends_at == at(3, 4, 5)
    m = timed("Talks collapsed at 3 a.m. on Monday and the truce in Gaza took effect at 7 a.m. on Tuesday.")
    assert (m.starts_at, m.ends_at) == (at(3, 5, 5), None)


@pytest.mark.parametrize(
    ("text", "starts_at"),
    [
        ("A truce in Gaza was agreed on Thursday. Israeli strikes continued until 6 a.m.", at(3, 7, 4)),
        ("A truce in Gaza was agreed. The army said it would keep fighting until 7 a.m. on Friday.", at(3, 8, 5)),
    ],
)
def test_fighting_until_a_time_is_the_pause_start_not_its_end(text, starts_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, None)
    # attacks paused until a time: that is the pause's end
    assert timed("Attacks in Gaza will be paused until 7 a.m. on Friday under the truce.").starts_at is None


def test_a_day_the_pause_held_on_and_talks_lasting_until_a_time_are_not_its_start_or_end():
    m = timed("The truce in Gaza held on Wednesday, 12 hours after it took effect at 7 p.m. on Tuesday.")
    assert (m.starts_at, m.start_precision) == (at(3, 5, 17), "minute")
    m = timed("The truce in Gaza came after talks that lasted until 3 a.m. on Wednesday.")
    assert (m.ends_at, m.end_range) == (None, None)


def test_as_of_a_time_a_pause_seen_holding_is_no_start():
    assert timed("As of 10 a.m. on Wednesday, the truce in Gaza was holding.").starts_at is None
    assert timed("The truce in Gaza was still holding as of 10 a.m. on Wednesday.").starts_at is None
    assert timed("As of 10 a.m. on Wednesday, a truce will be in force in Gaza.").starts_at == at(3, 13, 8)


def test_a_time_before_when_the_pause_began_is_its_start_in_that_verb_tense():
    m = timed("Families began driving south at 5 am local time (03:00 GMT), when the ceasefire in Lebanon came into effect.", DATE_ONLY)
    assert (m.starts_at, m.start_zone) == (at(3, 7, 3), "stated")
    assert timed("Sirens stopped at 7 a.m., when the truce in Gaza took effect.").starts_at == at(3, 7, 5)
    assert timed("The talks ended at 3 a.m., when the truce in Gaza was agreed.").starts_at is None


def test_midnight_of_a_night_written_with_a_slash():
    m = timed("Both armies declared a truce in Kashmir with effect from midnight of March 3/4.", at(3, 4, 12))
    assert (m.starts_at, m.start_precision) == (at(3, 3, 18, 30), "minute")


def test_an_act_with_immediate_effect_at_a_stated_time_starts_then():
    m = timed("At 8:15 a.m., the two sides signed a ceasefire in Gaza with immediate effect.")
    assert (m.starts_at, m.start_precision) == (at(3, 7, 6, 15), "minute")
    # no clock time before it: the publication
    assert timed("The two sides signed a ceasefire in Gaza with immediate effect.").starts_at == PUB


def test_a_bare_midnight_on_a_date_only_page_ranges_over_the_midnights_either_side():
    m = timed("The truce in Gaza will start at midnight.", DATE_ONLY)
    assert (m.starts_at, m.start_precision, m.start_range) == (at(3, 7, 22), "range", (at(3, 6, 22), at(3, 8, 22)))
    m = timed("The truce in Gaza took effect at midnight.", DATE_ONLY)
    assert (m.starts_at, m.start_range) == (at(3, 6, 22), (at(3, 5, 22), at(3, 7, 22)))


@pytest.mark.parametrize(
    ("text", "published", "starts_at", "precision"),
    [
        # a clock time in reported speech counts from the statement, told before publication:
        # the occurrence nearest publication, flagged when it is already gone by
        ("The ministry said a ceasefire would be declared in Mariupol from 10 a.m. Moscow time.", at(3, 5, 9, year=2022), at(3, 5, 7, year=2022), "range"),
        ("The ministry said a ceasefire would be declared in Mariupol from 6 p.m. Moscow time.", at(3, 5, 9, year=2022), at(3, 5, 15, year=2022), "minute"),
        ("The army said the pause in Rafah would start at 8 a.m.", at(3, 5, 20), at(3, 6, 6), "minute"),
        ("The army said the pause in Rafah was due to start at 8 a.m.", at(3, 5, 20), at(3, 6, 6), "minute"),
        # a day named with it still looks ahead
        ("The army said the truce in Gaza would begin at 7 a.m. on Friday.", at(3, 4, 12), at(3, 8, 5), "minute"),
    ],
)
def test_a_clock_time_in_reported_speech_is_the_occurrence_nearest_publication(text, published, starts_at, precision):
    m = timed(text, published)
    assert (m.starts_at, m.start_precision) == (starts_at, precision)


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # a day, then a window whose zone follows its second figure
        ("A humanitarian pause will be observed in Douma on Friday from 9 a.m. until 2 p.m. Moscow time.", at(3, 8, 6), at(3, 8, 11)),
        ("The sides agreed a local truce near the dam in Kherson on Saturday from 08:00 to 16:00 Kyiv time.", at(3, 9, 6), at(3, 9, 14)),
        ("The sides agreed a local truce near the dam in Kherson on Saturday between 08:00 and 16:00 Kyiv time.", at(3, 9, 6), at(3, 9, 14)),
        ("An evacuation corridor out of Avdiivka will operate on Monday from 10 a.m. to 6 p.m. local time.", at(3, 11, 8), at(3, 11, 16)),
    ],
)
def test_a_day_before_a_window_gives_both_figures_the_day_and_the_zone(text, starts_at, ends_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, ends_at)


def test_the_night_of_two_days_written_with_to_is_the_midnight_between():
    m = timed("A 12-hour ceasefire near Vuhledar will begin at midnight on the night of 11 to 12 March, Moscow time.")
    assert m.starts_at == at(3, 11, 21)
    assert m.ends_at == at(3, 12, 9)


def test_the_parties_and_place_between_a_pause_and_its_end_verb_keep_the_end():
    m = timed("A truce between the junta's troops and the Arakan Army in Rakhine state lapsed at 8 a.m. on Monday.", at(3, 12, 6))
    assert m.ends_at == at(3, 11, 1, 30)  # Myanmar, UTC+6:30


def test_a_window_in_the_next_sentence_takes_the_day_the_pause_was_given():
    text = "The sides agreed to open a humanitarian corridor out of Mariupol on Saturday. Buses may leave the city from 9 a.m. until 5 p.m. Kyiv time."
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (at(3, 9, 7), at(3, 9, 15))


def test_the_fighting_stopping_across_a_place_at_a_time_is_the_start():
    m = timed("Shelling stopped across Sanaa at 6 a.m. (0300 GMT) as the new truce took hold.", at(3, 7, 9))
    assert m.starts_at == at(3, 7, 3)


def test_the_start_that_happened_wins_over_the_one_planned():
    m = timed("The truce in Aleppo, which was supposed to begin at 7 a.m., took effect at 10:40 a.m. local time after a delay.", at(3, 7, 10, 30))
    assert m.starts_at == at(3, 7, 7, 40)  # Syria, UTC+3


def test_midnight_on_the_day_told_with_a_utc_bracket_is_still_the_midnight_ahead():
    # the bracket gives the clock of both midnights, not which one; told on Friday, ahead
    m = timed("The truce in Homs begins at midnight Damascus time (2100 GMT) on Friday.", DATE_ONLY.replace(day=8))
    assert m.starts_at == at(3, 8, 21)
    assert m.start_precision == "range"


def test_it_with_a_clock_time_takes_the_day_the_pause_was_given_before():
    text = "The army and the rebels agreed to a truce in Kassala. The truce is to take effect on Saturday. It will begin at 7 a.m. local time."
    assert {m.starts_at for m in extract(text, PUB) if m.start_precision == "minute"} == {at(3, 9, 5)}


def test_a_report_time_as_of_which_the_pause_was_holding_is_not_its_start():
    m = timed("As of 11:00 local time on 7 March, the daily pause observed in Taiz from 07:00 to 13:00 was holding, the agency said.", at(3, 7, 12))
    assert (m.starts_at, m.ends_at) == (at(3, 7, 4), at(3, 7, 10))


def test_in_the_morning_and_in_the_evening_are_a_m_and_p_m():
    assert timed("The truce in Gaza will take effect at 8:30 in the morning on Saturday.").starts_at == at(3, 9, 6, 30)
    assert timed("The truce in Gaza will take effect at 9 in the evening on Saturday.").starts_at == at(3, 9, 19)


def test_a_window_ahead_that_civilians_may_use_during_the_pause_looks_ahead():
    text = "The ministry said civilians would be able to leave Douma during a humanitarian pause running from 9 a.m. to 2 p.m. Moscow time on Wednesday."
    m = timed(text)  # published Thursday 7 March: the next Wednesday
    assert (m.starts_at, m.ends_at) == (at(3, 13, 6), at(3, 13, 11))


def test_with_no_zone_a_weekday_counts_from_the_date_the_stamp_itself_gives():
    # 00:30 on Monday where it was written (Sunday in UTC): "on Sunday" ahead is six days on
    published = datetime(2024, 3, 11, 0, 30, tzinfo=timezone(timedelta(hours=3)))
    m = timed("Envoys proposed a truce between the two militias that would take effect at noon on Sunday.", published)
    assert m.start_zone == "unknown"
    assert m.start_range[0] <= datetime(2024, 3, 17, 12, tzinfo=timezone.utc) <= m.start_range[1]  # the next Sunday's noon, anywhere


def test_a_bare_end_clock_is_the_one_the_pause_length_reaches():
    m = timed("The 36-hour truce in Donetsk, which began at noon Moscow time on Saturday, expired at midnight Moscow time.", at(3, 11, 9))
    assert (m.starts_at, m.ends_at) == (at(3, 9, 9), at(3, 10, 21))


def test_a_day_then_a_clock_time_with_its_own_cue_gives_the_minute():
    m = timed("The elders announced a ceasefire in Galkayo on Friday, to take effect from 6 p.m.")
    assert (m.starts_at, m.start_precision) == (at(3, 8, 15), "minute")  # Somalia, UTC+3


def test_a_term_told_in_a_reduced_clause_is_the_old_term_an_extension_replaces():
    m = timed("The truce in Aden, set to end at 6 a.m. on Friday, was extended until 6 a.m. on Monday.")
    assert m.ends_at == at(3, 11, 3)


def test_taking_effect_is_a_start_cue():
    m = timed("The truce in Idlib was broken within minutes of taking effect at noon on Saturday.", at(3, 12, 9))
    assert m.starts_at == at(3, 9, 9)  # Syria, UTC+3 since 2022


def test_a_pause_ahead_under_which_forces_will_halt_is_not_in_effect():
    m = timed("Government forces will halt operations in Deir ez-Zor under a unilateral ceasefire starting at 6 a.m. local time on Saturday.")
    assert (m.status, m.starts_at) == ("agreed", at(3, 9, 3))


def test_a_start_cue_and_its_place_told_at_length_before_the_time():
    m = timed("A 24-hour truce took hold in Beit Hanoun and other parts of Gaza at 7 a.m. Friday (0500 GMT).", at(3, 8, 9))
    assert m.starts_at == at(3, 8, 5)


def test_a_brokered_by_aside_between_the_pause_and_its_end_verb():
    m = timed("The truce in Gao, brokered by the regional bloc's envoy, expires at 6 a.m. (0600 GMT) on Monday unless renewed.")
    assert (m.status, m.ends_at) == ("in_effect", at(3, 11, 6))


def test_a_window_takes_the_day_its_start_cue_names_elsewhere_in_the_sentence():
    m = timed("A daily pause in Taiz, from 07:00 to 15:00 local time, began on 6 March, aid workers said.", at(3, 7, 9))
    assert (m.starts_at, m.ends_at) == (at(3, 6, 4), at(3, 6, 12))


def test_a_later_sentence_end_takes_the_zone_stated_for_the_start():
    text = "Shelling hit Nikopol after the truce declared by Moscow began at 12:00 Moscow time on 6 March. According to the Kremlin, it was to run to 24:00 on 7 March."
    m = extract(text, at(3, 7, 12))[0]
    assert (m.starts_at, m.ends_at) == (at(3, 6, 9), at(3, 7, 21))


def test_closing_a_crossing_at_a_time_is_when_the_access_ended():
    m = timed("Niger closed the Assamaka border crossing to aid convoys at 18:00 local time on Monday.", at(3, 5, 12))
    assert (m.status, m.starts_at, m.ends_at) == ("ended", None, at(3, 4, 17))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("A corridor for civilians leaving Deir Hafer opened at 8 a.m. on Tuesday.", "aid_corridor"),
        ("The guards offered to suspend artillery fire on the camps in Sulaymaniyah for 48 hours.", "ceasefire"),
    ],
)
def test_more_ways_a_pause_is_named(text, kind):
    assert extract(text, PUB)[0].kind == kind


def test_a_later_naming_at_the_country_level_is_the_same_pause_for_its_length():
    text = "The two sides agreed a 48-hour truce in Syria's Daraa province. The truce is to take effect at 00:01 local time on Saturday, officials said."
    m = extract(text, PUB)[0]
    assert (m.starts_at, m.ends_at) == (at(3, 8, 21, 1), at(3, 10, 21, 1))


@pytest.mark.parametrize(
    ("text", "published", "moment", "role"),
    [
        ("A truce in Misrata was to begin at one minute past midnight on Sunday.", PUB, at(3, 9, 22, 1), "start"),
        ("The government let its truce with the rebels in Cauca expire at one minute to midnight on Tuesday.", at(3, 6, 13), at(3, 6, 4, 59), "end"),
    ],
)
def test_a_minute_either_side_of_midnight(text, published, moment, role):
    m = timed(text, published)
    assert (m.starts_at if role == "start" else m.ends_at) == moment


@pytest.mark.parametrize(
    ("text", "starts_at"),
    [
        # an abbreviation several zones share is the place's own when the place keeps one of them
        ("A ceasefire between the tribes in Kurram took effect at 4pm PST on Saturday.", at(3, 9, 11)),
        ("A ceasefire in Hebron took effect at 4pm IST on Saturday.", at(3, 9, 14)),
        # ... else the usual one
        ("A ceasefire between the cartels in Tijuana took effect at 4pm PST on Saturday.", at(3, 10, 0)),
        ("A ceasefire in Kashmir took effect at 4pm IST on Saturday.", at(3, 9, 10, 30)),
    ],
)
def test_a_shared_zone_abbreviation_is_read_in_the_place(text, starts_at):
    assert timed(text, at(3, 10, 6)).starts_at == starts_at


@pytest.mark.parametrize(
    ("text", "published", "field", "moment"),
    [
        ("The envoy urged the militias around Taiz to halt fire from midnight tonight.", at(3, 7, 16), "starts_at", at(3, 7, 21)),
        ("Officials said the Torkham crossing would reopen for aid shipments to Afghanistan at 8:00 Kabul time on Saturday.", PUB, "starts_at", at(3, 9, 3, 30)),
        ("A truce agreed for the holiday in Deir al-Balah expired at 6 p.m. (1600 GMT) on Thursday.", at(3, 8, 12), "ends_at", at(3, 7, 16)),
        ("The truce the army declared for the holiday in Sennar ended at 23:59 local time (21:59 GMT) on Sunday.", at(3, 11, 9), "ends_at", at(3, 10, 21, 59)),
    ],
)
def test_more_phrasings_between_a_pause_and_its_time(text, published, field, moment):
    assert getattr(timed(text, published), field) == moment


def test_with_no_place_party_nor_dateline_the_stamps_own_offset_is_the_best_reading_still_flagged():
    published = datetime(2024, 3, 8, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    m = timed("A ceasefire in the Beddawi refugee camp, which took effect at 6 p.m. on Thursday, collapsed overnight.", published)
    assert (m.starts_at, m.start_precision, m.start_zone) == (at(3, 7, 16), "range", "unknown")


@pytest.mark.parametrize(
    ("text", "published", "starts_at", "ends_at"),
    [
        # named days: fixed ones, and those counted from Easter (western, orthodox)
        ("The bishops urged a truce in Mindanao from 6 p.m. on Holy Thursday until 6 p.m. on Easter Sunday.", at(3, 20, 12), at(3, 28, 10), at(3, 31, 10)),
        ("The council ordered a truce in Donetsk from noon on Orthodox Christmas Eve until midnight on Orthodox Christmas Day, Moscow time.",
         at(1, 4, 12), at(1, 6, 9), at(1, 7, 21)),
        # an eve's midnight is the one that ends it
        ("Both sides should respect the ceasefire in Luhansk from midnight on New Year's Eve, Kyiv time.", at(12, 28, 12), at(12, 31, 22), None),
    ],
)
def test_named_days_resolve_to_their_dates(text, published, starts_at, ends_at):
    m = timed(text, published)
    assert (m.starts_at, m.ends_at) == (starts_at, ends_at)


def test_a_truce_named_for_a_holiday_names_no_day():
    m = timed("The Christmas truce in Kachin state began at 6 a.m. on Sunday.", at(12, 23, 12))
    assert m.starts_at == at(12, 21, 23, 30)


@pytest.mark.parametrize(
    ("text", "published", "field", "moment"),
    [
        # a daily window whose start day follows it led by its cue
        ("The army says a daily pause will run from 10:00 to 18:00 local time along the road into Deir al-Balah, beginning on Sunday.", at(3, 8, 11), "starts_at", at(3, 10, 8)),
        # "midnight at the end of Saturday"
        ("The truce in Helmand, which began at 00:00 on Thursday, expired at midnight at the end of Saturday, officials said on Sunday.", at(3, 10, 12), "ends_at", at(3, 9, 19, 30)),
        # the fighting's end, with where told in between
        ("Fighting in parts of Daraa will stop from 9 a.m. on Friday, local time, the agency said on Thursday.", PUB, "starts_at", at(3, 8, 6)),
        # halting shooting and strikes in a place for a time
        ("The commanders agreed to halt all shooting on the Line of Control with effect from 17:00 IST on Saturday.", PUB, "starts_at", at(3, 9, 11, 30)),
        ("Officials said the army had agreed to halt strikes in Khan Younis for 12 hours from 6 a.m. on Sunday.", PUB, "ends_at", at(3, 10, 16)),
    ],
)
def test_more_real_shapes_of_a_pause_in_time(text, published, field, moment):
    assert getattr(timed(text, published), field) == moment


def test_an_undated_text_whose_full_date_gives_the_start_is_not_history():
    assert extract("The government and the rebels agreed a cessation of hostilities in Malakal from 12 noon on 1 July 2021.")[0].starts_at == at(7, 1, 10, year=2021)
    assert extract("Workers said they would halt strikes in Lagos from Monday after the pay deal.") == []


def test_a_spokesman_named_alone_gives_his_side_s_clock_as_the_best_reading_still_flagged():
    m = timed("While the evacuation corridor was set to stay open until 1 p.m., Hagari announced that it would be safe for another hour.", at(3, 7, 12))
    assert (m.ends_at, m.end_zone) == (at(3, 7, 12), "unknown")  # Israel, UTC+2: 2 p.m. local


def test_a_church_leader_s_truce_in_local_time_reads_in_his_church_s_country():
    m = timed("Patriarch Kirill proposed a truce from 10 a.m. on Saturday until midnight on Sunday, local time.")
    assert (m.starts_at, m.ends_at) == (at(3, 9, 7), at(3, 10, 21))


def test_the_end_of_a_day_is_an_end_not_a_start():
    m = timed("The earthquake truce expired at the end of Wednesday (midnight local time), and strikes were reported in Mandalay on Thursday.", at(3, 7, 12))
    assert (m.starts_at, m.ends_at) == (None, at(3, 6, 17, 30))


def test_when_a_statement_was_made_is_not_the_start():
    published = datetime(2024, 3, 8, 2, 15, tzinfo=timezone(timedelta(hours=6, minutes=30)))
    m = timed("State radio in Myanmar said in a bulletin shortly after 2 a.m. that the army would observe a ceasefire from noon today.", published)
    assert (m.starts_at, m.start_precision) == (at(3, 8, 5, 30), "minute")


def test_a_figure_after_evening_at_keeps_its_zone():
    assert timed("The truce in Yemen takes effect on Friday evening at 7 Moscow time.").starts_at == at(3, 8, 16)


@pytest.mark.parametrize(
    ("text", "published", "field", "moment"),
    [
        # "extended by 48 hours, to 07:00 on Thursday": the new end
        ("Mediators say the truce in Rafah will be extended by 48 hours, to 07:00 on Saturday local time.", PUB, "ends_at", at(3, 9, 5)),
        # a plan told in an aside, of a pause that collapsed: the Tuesday nearest publication
        ("A 24-hour truce in Kadugli, due to run from 18:00 on Tuesday, collapsed within hours.", PUB, "starts_at", at(3, 5, 16)),
        # a holiday's name between the length and the pause
        ("The militia declared a three-day Eid al-Adha ceasefire in Kunduz running from 00:00 on Saturday.", PUB, "ends_at", at(3, 11, 19, 30)),
        # the advance that would pause, and convoys that could enter
        ("Commanders said the advance on the old city of Raqqa would pause for four hours from 1300 local time.", at(3, 7, 8), "ends_at", at(3, 7, 14)),
        ("The besieging group agreed that food convoys could enter Gao between 08:00 and 17:00 GMT on Saturday.", PUB, "starts_at", at(3, 9, 8)),
    ],
)
def test_more_shapes_from_a_fourth_labelled_round(text, published, field, moment):
    assert getattr(timed(text, published), field) == moment


def test_an_extension_by_a_length_runs_from_the_old_term_told_in_the_next_sentence():
    text = "The army said it had agreed to extend its truce with the rebels in Kassala by 48 hours. The extension will begin when the current truce expires at 6 p.m. (1600 GMT) on Saturday."
    m = extract(text, PUB)[0]
    assert (m.starts_at, m.ends_at) == (at(3, 9, 16), at(3, 11, 16))


@pytest.mark.parametrize(
    ("text", "published", "field", "moment"),
    [
        # an extension told in the next sentence moves the end told before
        ("The truce in Kassala was due to run out at 9 p.m. on Friday. Hours before, the mediators said both sides had agreed to extend it by three days.",
         PUB, "ends_at", at(3, 11, 19)),
        ("The pause in Rafah was scheduled to end at 7 a.m. on Saturday. Egypt said on Friday night that it had been extended by another 24 hours.",
         PUB, "ends_at", at(3, 10, 5)),
        # "when it ran out": the old term of a renewal
        ("The envoy said the parties had agreed to renew the truce in Yemen for a further month when it ran out at 7 p.m. on Thursday.",
         at(3, 7, 12), "ends_at", at(4, 6, 16)),
        # a suspension "from" a time ends the pause then
        ("The government suspended its ceasefire with the rebels in Arauca from 00:00 on Friday, the ministry said.", PUB, "ends_at", at(3, 8, 5)),
        # a relative clause inside the pause's naming, then its end verb
        ("The Kerem Shalom crossing, which had reopened for aid trucks on Monday, was closed again at 3 p.m. on Wednesday, UN officials said.", at(3, 7, 12), "ends_at", at(3, 6, 13)),
        # "midnight following Easter Sunday"
        ("The Kremlin said its forces would halt all hostilities from 6 p.m. Moscow time on Saturday until midnight following Easter Sunday.",
         at(3, 28, 12), "ends_at", at(3, 31, 21)),
        # a plan of the past: the end's day is the first after its start
        ("A truce in Gedo, meant to run from 6 a.m. on Friday until 6 p.m. on Sunday, collapsed on Saturday.", at(3, 11, 12), "ends_at", at(3, 10, 15)),
        # "would now run until": the new end, without an extension verb
        ("The truce in Goma, which began at noon on Tuesday and was due to expire at noon on Friday, would now run until 6 p.m. on Sunday.",
         at(3, 8, 9), "ends_at", at(3, 10, 16)),
    ],
)
def test_ends_from_a_fifth_labelled_round(text, published, field, moment):
    assert getattr(extract(text, published)[0], field) == moment


@pytest.mark.parametrize(
    ("text", "published", "starts_at", "ends_at"),
    [
        ("Both sides agreed to a local ceasefire near the dam at Kakhovka, officials said. Under the deal, firing will stop at 10:00 Kyiv time on Saturday and the repair window will last 12 hours.",
         PUB, at(3, 9, 8), at(3, 9, 20)),
        ("The militia said it would observe a holiday truce in Mindanao. The suspension of offensive operations takes effect at 12:01 a.m. on Friday and lifts at 11:59 p.m. on Sunday.",
         PUB, at(3, 7, 16, 1), at(3, 10, 15, 59)),
        ("The Taliban announced a three-day ceasefire in Herat. The truce will begin at midnight at the start of Saturday, a spokesman said, and end at midnight at the close of Monday.",
         PUB, at(3, 8, 19, 30), at(3, 11, 19, 30)),
        ("The coordinator urged a pause in the fighting in Tal Afar. She called for the guns to fall silent for 72 hours from 0600 on Saturday.",
         PUB, at(3, 9, 3), at(3, 12, 3)),
    ],
)
def test_times_from_a_sixth_labelled_round(text, published, starts_at, ends_at):
    ms = extract(text, published)
    assert (starts_at, ends_at) in {(m.starts_at, m.ends_at) for m in ms}


def test_fighting_that_had_stopped_by_a_time_gives_the_start():
    text = "The army and the rebels agreed to an immediate ceasefire in Kachin State after talks in Kunming. Fighting had stopped by 4 p.m. Beijing time on Thursday, officials said."
    assert extract(text, at(3, 8, 12))[0].starts_at == at(3, 7, 8)


def test_a_later_sentence_whose_subject_is_the_suspension_gives_the_end():
    text = "The government suspended its ceasefire with the rebels in Nariño after an ambush, officials said. The suspension took effect at 00:00 on Sunday."
    m = extract(text, at(3, 11, 12))[0]
    assert (m.status, m.starts_at, m.ends_at) == ("ended", None, at(3, 10, 5))


def test_a_later_sentence_whose_subject_is_the_extension_gives_its_term():
    text = "The armed groups have extended their ceasefire in Kachin State by 30 days. The extension begins at 00:00 on Friday, the groups said."
    m = extract(text, PUB)[0]
    assert (m.starts_at, m.ends_at) == (at(3, 7, 17, 30), at(4, 6, 17, 30))


def test_a_pause_named_back_gets_the_time_though_the_sentence_names_a_corridor_too():
    text = ("Russia said its forces would halt air strikes on eastern Deir ez-Zor for eight hours on Friday. "
            "The pause will run from 8 a.m. to 4 p.m. local time, the ministry said, and two corridors will be opened for civilians.")
    m = extract(text, PUB)[0]
    assert (m.starts_at, m.ends_at) == (at(3, 8, 5), at(3, 8, 13))


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # a clock of the day the story was told, hours before it was filed: that day's
        ("The two armies agreed on Thursday to a 24-hour truce in Homs starting at 7 a.m. local time, officials said.",
         at(3, 7, 4), at(3, 8, 4)),
        # a pause already begun whose start was told as a plan: the occurrence nearest publication
        ("Gunfire broke out before dawn near Kassala, breaching a truce that elders had announced would take effect at 4 p.m. on Wednesday.",
         at(3, 6, 14), None),
        # dotted clocks after from / to, military notation, "holding since"
        ("A truce in Homs will hold from 09.00 to 15.00 on Saturday.", at(3, 9, 6), at(3, 9, 12)),
        ("Troops in Mindanao will suspend offensive operations from 0001H of March 9 until 2359H of March 10.",
         at(3, 8, 16, 1), at(3, 10, 15, 59)),
        ("The ceasefire in Homs has been holding since 20.00 local time on Wednesday.", at(3, 6, 17), None),
        # a headline run into its lead: the lead's clock on the headline's day is the start
        ("Three-day truce in Homs to begin Saturday - The army and the rebels agreed to a three-day truce in Homs, beginning at 6 a.m. on Saturday, mediators said.",
         at(3, 9, 3), at(3, 12, 3)),
    ],
)
def test_shapes_from_a_seventh_labelled_round(text, starts_at, ends_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, ends_at)


def test_an_appositive_after_a_party_stands_between_the_pause_and_its_end_verb():
    m = timed("A 60-day truce between the government and the Northern Front, the main rebel coalition in Kassala, expired at 11:59 p.m. on Wednesday.")
    assert m.ends_at == at(3, 6, 21, 59)


def test_a_later_sentence_s_meeting_until_a_time_is_not_the_pause_s_end():
    ms = extract("The truce in Homs expired on Wednesday. Delegates had met in Geneva until 6 p.m., officials said.", PUB)
    assert all(m.end_precision != "minute" for m in ms)


def test_keeping_a_crossing_open_is_in_effect_with_its_end():
    m = timed("Jordan said it would keep the crossing open for aid trucks until 10 p.m. on Saturday.")
    assert (m.kind, m.status, m.ends_at) == ("aid_access", "in_effect", at(3, 9, 19))


def test_a_corridor_opened_for_trapped_people_is_a_corridor():
    m = timed("Kurdish forces opened a corridor from the mountain for trapped villagers on Thursday.")
    assert m.kind == "aid_corridor"


def test_a_later_end_with_no_zone_reads_in_the_party_s_country_flagged():
    m = timed("The ELN said on Wednesday it would extend its ceasefire for seven more days. The rebels said their units would hold fire until 6 a.m. on March 14.")
    assert (m.ends_at, m.end_precision) == (at(3, 14, 11), "range")


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # daily windows over a stated number of days end with the last window
        ("Daily pauses will be held in Deir al-Balah from 6 a.m. to 3 p.m. local time for four days starting Saturday so that teams can vaccinate children.",
         at(3, 9, 4), at(3, 12, 13)),
        ("The WHO said both sides agreed to humanitarian pauses in Khan Younis for a three-day polio campaign. Fighting will stop there from 0600 to 1500 hours local time each day, starting Saturday.",
         at(3, 9, 4), at(3, 11, 13)),
        # no number of days: the first window
        ("Russia announced a daily humanitarian pause in Douma from 9 a.m. to 2 p.m. starting Saturday.", at(3, 9, 6), at(3, 9, 11)),
    ],
)
def test_daily_windows_over_stated_days_end_with_the_last(text, starts_at, ends_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, ends_at)


def test_a_later_sentence_telling_the_suspension_replaces_the_term_planned():
    m = timed("The president ordered troops to resume operations against the gang, suspending a ceasefire with the gang in Colombia that had been due to run until June 30. The suspension takes effect at 00:00 on Saturday, the ministry said.")
    assert m.ends_at is not None and m.ends_at.date() == date(2024, 3, 9)


def test_a_later_sentence_telling_the_extended_term_replaces_the_old_one():
    m = timed("The parties in Yemen accepted a two-month renewal of the truce that was set to expire at 7 p.m. on Thursday, the envoy said. The extended truce will hold until 7 p.m. on June 2, his office added.")
    assert m.ends_at == datetime(2024, 6, 2, 16, tzinfo=Z)


def test_an_extension_s_own_start_told_later_replaces_the_pause_s_first_start():
    m = timed("The rebel leader said on Thursday that his fighters would extend for 30 days the truce they began observing on Christmas Eve in Sofala. In a voice message, he said the extension would run from 6 a.m. on Saturday.")
    assert m.starts_at == at(3, 9, 4)


def test_a_wide_country_s_clock_is_its_dateline_s_when_the_dateline_is_in_it():
    m = timed("JAYAPURA, Indonesia - Indonesian troops will suspend operations against the rebels in the highlands for 48 hours from 8 a.m. local time on Saturday, a spokesman said.")
    assert m.starts_at == at(3, 8, 23)  # Jayapura (UTC+9), not Jakarta


def test_opened_at_a_time_but_closed_again_at_another_gives_both():
    m = timed("The Kerem Shalom crossing into Gaza opened to aid trucks at 9 a.m. on Saturday but was closed again at 3 p.m., officials said.")
    assert (m.starts_at, m.ends_at) == (at(3, 9, 7), at(3, 9, 13))


@pytest.mark.parametrize(
    ("text", "ends_at"),
    [
        # a relative clause in the present is the pause's own term, ahead of publication
        ("The truce in Donetsk, which expires at 6 a.m. on Tuesday, covers a stretch of the canal.", at(3, 12, 4)),
        # "now ends": the term as it stands, however far from the trigger
        ("The 12-hour truce in Gaza that began at 8 a.m. on Saturday has been stretched by four hours, officials said, so that it now ends at midnight.",
         at(3, 2, 22)),  # the Saturday gone by: it began then
        ("The truce around Kadugli will run for a further five days. The pause had been due to lapse at 6 p.m. on Friday; it now ends at 6 p.m. on Wednesday.",
         at(3, 13, 16)),
    ],
)
def test_the_term_as_it_stands(text, ends_at):
    assert timed(text).ends_at == ends_at


def test_an_expiry_in_a_relative_clause_is_the_old_term_of_a_renewal():
    m = timed("Officials said the truce around Zinjibar in Abyan, which expired at 6 p.m. on Wednesday, had been renewed for seven days.")
    assert (m.status, m.ends_at) == ("extended", at(3, 13, 15))


def test_a_later_sentence_gives_the_start_of_a_pause_told_only_by_its_end():
    m = timed("Mediators said the truce in Tripoli, due to expire at 8 p.m. on Thursday, has been extended by 72 hours, to 8 p.m. on Sunday. The halt first took hold at 8 p.m. on Monday after a week of street battles.")
    assert (m.starts_at, m.ends_at) == (at(3, 4, 18), at(3, 10, 18))


def test_a_crossing_reopened_at_a_time_and_closing_again_at_another():
    m = timed("COGAT said the Zikim crossing, reopened at 9 a.m. on Wednesday for flour trucks bound for northern Gaza, would close again at 3 p.m. on Sunday.")
    assert (m.starts_at, m.ends_at) == (at(3, 6, 7), at(3, 10, 13))


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # the French-style clock
        ("Chiefs of the two communities signed a truce in Kinshasa on Thursday, to take effect at 18h00 the same day.", at(3, 7, 17), None),
        # a dateline with its date before a double hyphen is no date of the pause
        ("Forces to open corridor for civilians - MOSUL, March 7 -- A safe corridor will be open from 7 a.m. to 5 p.m. on Saturday for residents leaving the Old City of Mosul, the command said.",
         at(3, 9, 4), at(3, 9, 14)),
        # "Suspension of Operations", a halt in strikes of two sides, a pause in firing
        ("The Suspension of Operations agreement with the Kuki groups in Manipur has been extended for six months with effect from 00:00 hrs on March 9.",
         at(3, 8, 18, 30), None),
        ("The halt in Russian and Ukrainian strikes on energy facilities in Kharkiv began at 00:00 on March 4.", at(3, 3, 22), None),
        ("UNIFIL said it had secured a two-hour pause in firing from 10 a.m. on Saturday around Naqoura.", at(3, 9, 8), at(3, 9, 10)),
    ],
)
def test_shapes_from_an_eighth_labelled_round(text, starts_at, ends_at):
    m = timed(text)
    assert m.starts_at == starts_at and (ends_at is None or m.ends_at == ends_at)


def test_no_truce_text_yet_is_no_pause():
    assert extract("Sudan talks to open at 3 p.m. in Geneva on Wednesday, no truce text yet, officials said.", PUB) == []


def test_a_pause_named_again_under_which_is_one_pause_with_its_length():
    m = timed("Egyptian mediators on Thursday put a fresh three-day truce to Israel and the factions in Gaza, under which guns would fall silent at 00:00 Saturday (2200 GMT Friday).")
    assert (m.starts_at, m.ends_at) == (at(3, 8, 22), at(3, 11, 22))


def test_an_extension_s_own_start_with_its_length_gives_its_end():
    m = timed("The truce in Sofala would be extended by 60 days, with the extension taking effect at 00:00 on Saturday, the rebel leader said.")
    assert (m.starts_at, m.ends_at) == (at(3, 8, 22), at(5, 7, 22))


def test_an_old_term_told_after_a_renewal_by_a_length_moves_by_it():
    m = timed("Elders renew truce in Galkayo for 30 days. The elders said the accord, which was due to expire at noon on Wednesday, had been renewed for a further 30 days.")
    assert m.ends_at == at(4, 5, 9)


def test_extended_by_a_length_to_a_time_gives_the_new_end():
    m = timed("The ceasefire in Zabadani, which had been due to end at 6 a.m. on Saturday, has been extended by 24 hours to 6 a.m. Sunday, a source said.")
    assert m.ends_at == at(3, 10, 3)  # Syria keeps UTC+3 since 2022


def test_a_pause_announced_at_a_time_on_a_day_gone_by_started_then():
    m = timed("A ceasefire announced in Ain al-Hilweh at 6 p.m. on Tuesday had been supposed to run until noon on Friday, a Lebanese source said.")
    assert (m.starts_at, m.ends_at) == (at(3, 5, 16), at(3, 8, 10))


def test_a_report_time_of_something_still_going_on_is_no_start():
    ms = extract("The Tine crossing from Chad will be closed again on Saturday. Aid groups said 200 trucks were still waiting there as of 3 p.m. on Wednesday.", PUB)
    assert all(m.start_precision != "minute" for m in ms)


def test_midnight_between_two_dates_is_the_one_that_separates_them():
    m = timed("The Kremlin ordered a halt to hostilities in Ukraine from midnight between March 8 and 9 until midnight between March 10 and 11, Moscow time.")
    assert (m.starts_at, m.ends_at) == (at(3, 8, 21), at(3, 10, 21))


def test_a_weekday_borrowed_from_the_clause_is_the_one_nearest_publication():
    published = datetime(2024, 3, 10, 1, 20, tzinfo=timezone(timedelta(hours=5, minutes=30)))  # early Sunday, India
    m = timed("Blasts rolled over Srinagar late on Saturday, three hours after the two armies agreed to stop all firing on land, in the air and at sea from 5 p.m. IST.", published)
    assert m.starts_at == at(3, 9, 11, 30)


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # a time before "for an eight-hour humanitarian pause" is its start
        ("Government forces halted air strikes and ground assaults on militant positions in Marawi at 6 a.m. on Saturday for an eight-hour humanitarian pause marking Eid.",
         at(3, 1, 22), at(3, 2, 6)),  # halted: the Saturday gone by
        # the talks a pause was agreed at are no other event
        ("A ceasefire in Hodeidah agreed at talks in Sweden came into force at midnight (2100 GMT), officials said on Thursday.", at(3, 6, 21), None),
        # what a moratorium is against stands between it and its end verb
        ("Russia's 30-day moratorium on attacks against Ukrainian energy infrastructure expired at 00:00 Moscow time on Wednesday, the Kremlin said.",
         None, at(3, 5, 21)),
    ],
)
def test_shapes_from_a_ninth_labelled_round(text, starts_at, ends_at):
    m = timed(text)
    assert (m.starts_at, m.ends_at) == (starts_at, ends_at)


def test_a_french_style_clock_keeps_the_text_s_own_words():
    m = timed("Chiefs signed a truce in Kinshasa on Thursday, to take effect at 18h00 the same day.")
    assert (m.start_text, m.starts_at) == ("at 18h00", at(3, 7, 17))
