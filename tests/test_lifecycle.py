"""The pure core of pause records: merging, status, countdown. No I/O, hand-built records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracker.lifecycle import describe, fill_place_from_context, reconcile, source_of, tick
from tracker.types import Actor, Evidence, Mention

T0 = datetime(2016, 8, 18, 12, 0, tzinfo=UTC)


def mention(kind="ceasefire", status="proposed", hours=48.0, location="Aleppo", country="Syria", actors=(), starts_at=None, quote="q"):
    return Mention(kind, status, hours, location, country, tuple(actors), None, starts_at, quote, 0.9)


def ev(m: Mention, at=T0, key="a1", source="wire.example.org"):
    return Evidence(m, key, source, f"https://{source}/{key}", at)


def test_mentions_of_one_pause_from_two_sources_merge_into_one_record():
    updates = reconcile(
        [],
        [
            ev(mention(actors=[Actor("Russia", "proposed")]), key="a1"),
            ev(mention(kind="humanitarian_pause", hours=None, actors=[Actor("UN", "welcomed")]), T0 + timedelta(hours=3), "a2", "desk.example.net"),
        ],
        T0,
    )
    assert len(updates) == 1
    p = updates[0].after
    assert (p.kind, p.location, p.country, p.status, p.duration_hours) == ("ceasefire", "Aleppo", "Syria", "proposed", 48.0)
    assert p.sources == ("wire.example.org", "desk.example.net")
    assert {a.name: a.stance for a in p.actors} == {"Russia": "proposed", "UN": "welcomed"}
    assert p.starts_at is None and p.ends_at is None
    assert [c.event for c in updates[0].changes] == ["new"]
    assert "start not fixed" in describe(p)


def test_different_places_and_families_stay_apart():
    updates = reconcile(
        [],
        [
            ev(mention(location="Gaza", country="Palestine")),
            ev(mention(location="Beirut", country="Lebanon")),
            ev(mention(kind="aid_corridor", hours=None)),
            ev(mention()),
        ],
        T0,
    )
    assert sorted((u.after.kind, u.after.location) for u in updates) == [
        ("aid_corridor", "Aleppo"),
        ("ceasefire", "Aleppo"),
        ("ceasefire", "Beirut"),
        ("ceasefire", "Gaza"),
    ]


def test_a_pause_reported_two_months_later_is_a_new_pause():
    first = reconcile([], [ev(mention())], T0)[0].after
    first = first.__class__(**{**{f: getattr(first, f) for f in first.__slots__}, "id": 1})
    later = reconcile([first], [ev(mention(), T0 + timedelta(days=60), "a9")], T0 + timedelta(days=60))
    assert len(later) == 1 and later[0].before is None


def test_status_moves_forward_and_an_agreement_with_a_start_sets_the_countdown():
    start = T0 + timedelta(days=1)
    p = reconcile([], [ev(mention())], T0)[0].after
    p = p.__class__(**{**{f: getattr(p, f) for f in p.__slots__}, "id": 7})
    u = reconcile([p], [ev(mention(status="agreed", starts_at=start), T0 + timedelta(hours=5), "a2")], T0)[0]
    assert u.after.status == "agreed"
    assert u.after.starts_at == start and u.after.ends_at == start + timedelta(hours=48)
    assert [(c.event, c.old_status, c.new_status) for c in u.changes] == [("status", "proposed", "agreed")]
    # a late "proposed" report does not move the status back, and changes nothing
    again = reconcile([u.after], [ev(mention(), T0 + timedelta(hours=6), "a3")], T0)[0]
    assert again.after.status == "agreed" and again.changes == ()


def test_one_article_never_causes_two_changes_for_one_pause():
    u = reconcile([], [ev(mention()), ev(mention(status="agreed"), key="a1"), ev(mention(status="in_effect"), key="a1")], T0)
    assert len(u) == 1 and [c.event for c in u[0].changes] == ["new"] and u[0].after.status == "in_effect"


def test_a_country_level_mention_joins_a_pause_in_one_of_its_cities():
    u = reconcile([], [ev(mention()), ev(mention(location="Syria", country="Syria"), key="a2")], T0)
    assert len(u) == 1 and u[0].after.location == "Aleppo"


def test_place_from_context_fills_mentions_that_name_none():
    ms = fill_place_from_context([mention(), mention(location=None, country=None)])
    assert [m.location for m in ms] == ["Aleppo", "Aleppo"]


def test_source_is_the_publisher_host():
    assert source_of("https://www.example.org/a/b", "Feed") == "example.org"
    assert source_of(None, "Feed") == "Feed"


def _saved(p, pid=1):
    return p.__class__(**{**{f: getattr(p, f) for f in p.__slots__}, "id": pid})


def test_countdown_events_fire_once_each():
    start = T0 + timedelta(hours=2)
    p = _saved(reconcile([], [ev(mention(status="agreed", starts_at=start))], T0)[0].after)
    seen = []
    now = T0
    while now < start + timedelta(hours=50):
        for u in tick([p], now):
            seen += [c.event for c in u.changes]
            p = u.after
        now += timedelta(minutes=1)
    assert seen == ["starts_soon", "started", "ends_soon", "expired"]
    assert p.status == "expired" and not p.is_open
    assert tick([p], now + timedelta(days=1)) == []


@given(
    start_offset=st.integers(min_value=-100_000, max_value=100_000),
    hours=st.integers(min_value=1, max_value=24 * 90),
    steps=st.lists(st.integers(min_value=0, max_value=50_000), min_size=1, max_size=20),
)
def test_time_left_never_grows_as_now_advances_and_an_end_is_never_before_its_start(start_offset, hours, steps):
    start = T0 + timedelta(seconds=start_offset)
    p = _saved(reconcile([], [ev(mention(status="agreed", hours=float(hours), starts_at=start))], T0)[0].after)
    assert p.ends_at >= p.starts_at
    now, last = T0, None
    for step in steps:
        now += timedelta(seconds=step)
        for u in tick([p], now):
            p = u.after
        left = p.seconds_left(now)
        if left is not None and last is not None and now >= p.starts_at:
            assert left <= last
        if now >= p.starts_at:
            last = left if left is not None else last
        if p.status == "expired":
            assert p.ends_at <= now
