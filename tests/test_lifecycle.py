"""The pure core of pause records: assignment, folding, corroboration, the countdown.

No I/O: hand-built mentions and evidence. `save()` below plays the store's part (giving
ids and keeping evidence) with plain dicts.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.lifecycle import describe, fill_place_from_context, fold, reconcile, source_of, tick, why_same
from tracker.types import Actor, Evidence, Mention

T0 = datetime(2016, 8, 18, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def mention(kind="ceasefire", status="proposed", hours=48.0, location="Aleppo", country="Syria", actors=(), starts_at=None, quote=None, start_text=None):
    quote = quote or f"{kind} {status} {hours} {location} {starts_at}"
    return Mention(kind, status, hours, location, country, tuple(actors), start_text, starts_at, quote, 0.9)


def ev(m: Mention, at=T0, key="a1", source="wire.example.org"):
    return Evidence(m, key, source, f"https://{source}/{key}", at)


class World:
    """Plays the store: ids, evidence per pause, replaced articles. Pure apart from its dicts."""

    def __init__(self):
        self.pauses = {}
        self.evidence = {}
        self.changes = []

    def feed(self, evidence, now, replaced=frozenset()):
        updates = reconcile(list(self.pauses.values()), evidence, now, self.evidence, replaced)
        for pid in self.evidence:  # as the store does: the edited articles' old evidence is deleted
            self.evidence[pid] = [e for e in self.evidence[pid] if e.article_key not in replaced]
        self._save(updates)
        return updates

    def clock(self, now):
        updates = tick([p for p in self.pauses.values()], now)
        self._save(updates)
        return updates

    def _save(self, updates):
        for u in updates:
            pid = u.after.id or (max(self.pauses, default=0) + 1)
            self.pauses[pid] = replace(u.after, id=pid)
            self.evidence.setdefault(pid, []).extend(u.evidence)
            self.changes += [(pid, c) for c in u.changes]

    def events(self):
        return [c.event for _, c in self.changes]


def test_mentions_of_one_pause_from_two_sources_merge_into_one_record():
    w = World()
    updates = w.feed(
        [
            ev(mention(actors=[Actor("Russia", "proposed")]), key="a1"),
            ev(mention(kind="humanitarian_pause", hours=None, actors=[Actor("UN", "welcomed")]), T0 + 3 * H, "a2", "desk.example.net"),
        ],
        T0,
    )
    assert len(updates) == 1 and updates[0].reasons[0] == "first report"
    assert updates[0].reasons[1].startswith("same place (Aleppo); humanitarian pause ~ ceasefire; reported 3 h")
    [p] = w.pauses.values()
    assert (p.kind, p.location, p.country, p.status, p.duration_hours) == ("ceasefire", "Aleppo", "Syria", "proposed", 48.0)
    assert p.sources == ("wire.example.org", "desk.example.net")
    assert {a.name: a.stance for a in p.actors} == {"Russia": "proposed", "UN": "welcomed"}
    assert p.starts_at is None and p.ends_at is None and p.first_seen == T0 and p.last_seen == T0 + 3 * H
    assert w.events() == ["new"]
    assert "start not fixed" in describe(p)


def test_distinct_pauses_stay_apart():
    w = World()
    w.feed(
        [
            ev(mention(location="Gaza", country="Palestine"), key="g"),
            ev(mention(location="southern Lebanon", country="Lebanon"), key="g"),
            ev(mention(kind="aid_corridor", hours=None), key="c"),
            ev(mention(location="Homs"), key="h"),
            ev(mention(), key="a"),
        ],
        T0,
    )
    assert sorted((p.kind, p.location) for p in w.pauses.values()) == [
        ("aid_corridor", "Aleppo"),
        ("ceasefire", "Aleppo"),
        ("ceasefire", "Gaza"),
        ("ceasefire", "Homs"),
        ("ceasefire", "southern Lebanon"),
    ]


def test_two_aleppo_pauses_two_months_apart_are_two_records():
    w = World()
    w.feed([ev(mention())], T0)
    w.feed([ev(mention(), T0 + timedelta(days=60), "later")], T0 + timedelta(days=60))
    assert len(w.pauses) == 2


def test_a_place_and_its_country_can_be_one_pause_and_why_is_explained():
    w = World()
    w.feed([ev(mention(location="Syria", country="Syria")), ev(mention(), T0 + H, "a2")], T0)
    [p] = w.pauses.values()
    assert p.location == "Aleppo"
    assert w.pauses[1] and "Aleppo is in Syria" in why_same(replace(p, location="Syria"), ev(mention()))


def test_a_breach_in_a_city_does_not_make_a_national_truce_local():
    w = World()
    w.feed([ev(mention(status="agreed", location="Syria", country="Syria")), ev(mention(status="violated", location="Damascus"), T0 + H, "a2")], T0)
    [p] = w.pauses.values()
    assert (p.location, p.status) == ("Syria", "violated")


def test_syndicated_copies_of_one_wire_story_count_once():
    quote = "Russia proposed a 48-hour ceasefire in Aleppo, the defence ministry said."
    copies = [ev(mention(quote=quote), T0 + i * H, f"copy{i}", f"paper{i}.example.com") for i in range(10)]
    own = ev(mention(quote="A 48-hour truce in Aleppo was proposed by Moscow on Thursday."), T0 + 11 * H, "own", "desk.example.net")
    w = World()
    w.feed([*copies, own], T0)
    [p] = w.pauses.values()
    assert p.sources == ("paper0.example.com", "desk.example.net")


def test_a_wire_credit_names_the_source():
    assert source_of("https://paper.example.com/x", "Feed", "GENEVA (Reuters) - The UN envoy said") == "Reuters"
    assert source_of("https://www.example.org/a/b", "Feed") == "example.org"
    assert source_of(None, "Feed") == "Feed"


def test_status_moves_forward_an_agreement_sets_the_countdown_and_a_late_proposal_changes_nothing():
    start = T0 + timedelta(days=1)
    w = World()
    w.feed([ev(mention())], T0)
    [u] = w.feed([ev(mention(status="agreed", starts_at=start, start_text="from 7am Friday"), T0 + 5 * H, "a2")], T0 + 5 * H)
    p = u.after
    assert (p.status, p.starts_at, p.ends_at, p.start_text) == ("agreed", start, start + 48 * H, "from 7am Friday")
    assert [(c.event, c.old_status, c.new_status) for c in u.changes] == [("status", "proposed", "agreed")]
    assert u.changes[0].evidence.article_key == "a2"
    [late] = w.feed([ev(mention(), T0 + 6 * H, "a3")], T0 + 6 * H)
    assert late.after.status == "agreed" and late.changes == ()


def test_one_violation_report_does_not_end_a_pause_and_an_extension_moves_the_end():
    start = T0 + 2 * H
    w = World()
    w.feed([ev(mention(status="agreed", starts_at=start))], T0)
    w.feed([ev(mention(status="violated", hours=None), T0 + 20 * H, "v")], T0 + 20 * H)
    [p] = w.pauses.values()
    assert p.status == "violated" and p.is_open and p.ends_at == start + 48 * H
    # two reports of the same 24-hour extension extend it once
    w.feed([ev(mention(status="extended", hours=24.0), T0 + 40 * H, "x1"), ev(mention(status="extended", hours=24.0), T0 + 41 * H, "x2", "other.example")], T0 + 41 * H)
    [p] = w.pauses.values()
    assert p.status == "extended" and p.ends_at == start + 72 * H and p.extended_hours == 24.0


def test_parties_that_deny_move_no_status_but_their_stance_is_recorded():
    w = World()
    w.feed([ev(mention(actors=[Actor("Russia", "proposed")]))], T0)
    w.feed([ev(mention(status="agreed", actors=[Actor("Hamas", "denied")]), T0 + H, "d")], T0 + H)
    [p] = w.pauses.values()
    assert p.status == "proposed" and {a.name: a.stance for a in p.actors} == {"Russia": "proposed", "Hamas": "denied"}


def test_an_edited_article_replaces_its_own_evidence():
    w = World()
    w.feed([ev(mention(status="agreed"))], T0)
    [u] = w.feed([ev(mention(status="proposed"), T0, "a1")], T0 + H, replaced=frozenset({"a1"}))
    assert u.after.status == "proposed" and [c.event for c in u.changes] == ["status"]
    assert len(w.evidence[1]) == 1


def test_a_pause_reported_in_effect_without_a_start_counts_down_from_that_report():
    w = World()
    w.feed([ev(mention(status="in_effect", hours=72.0), T0 + 3 * H)], T0 + 3 * H)
    [p] = w.pauses.values()
    assert p.starts_at == T0 + 3 * H and p.ends_at == T0 + 75 * H and p.start_text == "reported in effect"


def test_place_from_context_fills_mentions_that_name_none():
    ms = fill_place_from_context([mention(), mention(location=None, country=None)])
    assert [m.location for m in ms] == ["Aleppo", "Aleppo"]


def test_countdown_events_fire_once_each_and_expiry_needs_new_evidence_to_reopen():
    start = T0 + 2 * H
    w = World()
    w.feed([ev(mention(status="agreed", starts_at=start))], T0)
    now = T0
    while now < start + 50 * H:
        w.clock(now)
        now += timedelta(minutes=1)
    assert w.events() == ["new", "starts_soon", "started", "ends_soon", "ends_very_soon", "expired"]
    [p] = w.pauses.values()
    assert p.status == "expired" and not p.is_open
    assert w.clock(now + timedelta(days=1)) == []
    # the same old evidence refolded stays expired; an extension reported just after reopens it
    assert fold(w.evidence[1], 1, p.fired).status == "expired"
    [u] = w.feed([ev(mention(status="extended", hours=24.0), start + 49 * H, "x")], start + 49 * H)
    assert u.after.id == 1 and u.after.status == "extended" and u.after.is_open and u.after.ends_at == start + 72 * H


def test_a_proposed_pause_whose_start_passes_unconfirmed_says_so_once():
    start = T0 + 30 * timedelta(minutes=1)
    w = World()
    w.feed([ev(mention(starts_at=start))], T0)
    for minute in range(0, 120):
        w.clock(T0 + timedelta(minutes=minute))
    assert w.events() == ["new", "starts_soon", "start_unconfirmed"]
    assert w.pauses[1].status == "proposed"


articles = st.lists(
    st.tuples(
        st.sampled_from(["proposed", "called_for", "agreed", "in_effect", "violated", "extended"]),
        st.sampled_from([None, 24.0, 48.0, 72.0]),
        st.integers(min_value=0, max_value=23),  # hours after T0 it was published: before any end
        st.sampled_from([None, 0, 12, 24]),  # start, hours after T0
        st.sampled_from(["a.example", "b.example", "c.example"]),
    ),
    min_size=1,
    max_size=8,
)


def _evidence(rows):
    return [
        ev(mention(status=s, hours=h, starts_at=T0 + st_ * H if st_ is not None else None), T0 + at * H, f"k{i}", src)
        for i, (s, h, at, st_, src) in enumerate(rows)
    ]


@settings(max_examples=150, deadline=None)
@given(rows=articles, seed=st.integers(0, 10**6))
def test_replaying_the_same_articles_in_any_order_gives_the_same_pause(rows, seed):
    """Reports of one pause, all published before it could have ended. (Whether a report
    published after a pause's end is late news of it or a new pause depends on what was
    known when it arrived: that boundary is order-dependent by design.)"""
    evs = _evidence(rows)
    shuffled = evs[:]
    random.Random(seed).shuffle(shuffled)
    one, two = World(), World()
    for e in evs:
        one.feed([e], e.published)
    for e in shuffled:
        two.feed([e], e.published)
    assert len(one.pauses) == len(two.pauses) == 1
    a, b = one.pauses[1], two.pauses[1]
    assert replace(a, sources=tuple(sorted(a.sources))) == replace(b, sources=tuple(sorted(b.sources)))


@settings(max_examples=150, deadline=None)
@given(rows=articles, steps=st.lists(st.integers(min_value=0, max_value=40_000), min_size=1, max_size=25))
def test_the_clock_alone_never_lengthens_a_pause_or_puts_an_end_before_its_start(rows, steps):
    w = World()
    w.feed(_evidence(rows), T0)
    now, last = T0, None
    for step in steps:
        now += timedelta(seconds=step)
        w.clock(now)
        p = w.pauses[1]
        if p.starts_at and p.ends_at:
            assert p.ends_at >= p.starts_at
        left = p.seconds_left(now)
        if left is not None and p.starts_at and now >= p.starts_at:
            assert last is None or left <= last
            last = left
        if p.status == "expired":
            assert p.ends_at <= now
            w.clock(now + timedelta(days=365))
            assert w.pauses[1].status == "expired"  # no new evidence: never active again


def test_the_gazetteer_hierarchy_merges_a_town_with_its_region_but_not_neighbours():
    from tracker.extract import place_ancestors

    def run(places):
        evs = [ev(mention(location=loc, country=c), T0 + i * H, f"k{i}") for i, (loc, c) in enumerate(places)]
        return reconcile([], evs, T0, ancestors=place_ancestors)

    [u] = run([("Darfur", "Sudan"), ("El Fasher", "Sudan")])
    assert u.after.location == "Darfur" and "El Fasher is in Darfur" in u.reasons[1]
    assert len(run([("Khan Younis", "Palestine"), ("Rafah", "Palestine")])) == 2
    assert len(run([("Gaza", "Palestine"), ("southern Lebanon", "Lebanon")])) == 2
    [u] = run([("Syria", "Syria"), ("Aleppo", "Syria")])
    assert u.after.location == "Aleppo"


# --- times read without a zone take the pause's ---------------------------------------------


def test_a_zoneless_start_joining_a_pause_is_read_in_the_pause_zone_and_gives_the_end():
    from tracker.extract import extract, place_zone

    published = datetime(2024, 3, 7, 9, 30, tzinfo=UTC)
    [placed] = extract("Mediators said a 72-hour truce in El Fasher was agreed on Thursday.", published)
    [zoneless] = extract("The sides agreed that the truce begins at 6 a.m. on Wednesday.", published)
    assert (zoneless.starts_at, zoneless.start_zone, zoneless.start_local) == (None, "unknown", "2024-03-13T06:00")
    p = fold([ev(placed), ev(replace(zoneless, duration_hours=None), key="a2")], zones=place_zone)
    # El Fasher is in Sudan, UTC+2: 06:00 local is 04:00 UTC; start + 72 hours is the end
    assert (p.starts_at, p.ends_at) == (datetime(2024, 3, 13, 4, tzinfo=UTC), datetime(2024, 3, 16, 4, tzinfo=UTC))


def test_without_a_zone_for_the_pause_a_zoneless_time_stays_unresolved():
    from tracker.extract import extract

    published = datetime(2024, 3, 7, 9, 30, tzinfo=UTC)
    [zoneless] = extract("The sides agreed that the truce begins at 6 a.m. on Wednesday.", published)
    assert fold([ev(zoneless)]).starts_at is None


def test_a_start_moved_by_fifteen_minutes_or_less_is_no_times_change():
    from tracker.lifecycle import diff

    start = datetime(2024, 3, 8, 5, tzinfo=UTC)
    before = fold([ev(mention(status="agreed", starts_at=start, start_text="at 7 a.m."))])
    near = replace(before, starts_at=start + timedelta(minutes=15), ends_at=before.ends_at + timedelta(minutes=15))
    far = replace(before, starts_at=start + timedelta(minutes=16))
    assert diff(before, near, None, T0) == []
    assert [c.event for c in diff(before, far, None, T0)] == ["times"]
    assert [c.event for c in diff(replace(before, starts_at=None), before, None, T0)] == ["times"]


def test_a_zoneless_midnight_on_a_day_read_in_the_pause_zone_stays_a_range_over_its_two_midnights():
    from tracker.extract import extract
    from tracker.lifecycle import in_zone

    [m] = extract("The sides said the truce begins at midnight on Wednesday.", datetime(2024, 3, 7, 9, 30, tzinfo=UTC))
    assert (m.start_zone, m.start_local) == ("unknown", "2024-03-13T00:00/2024-03-14T00:00")
    read = in_zone(m, "Africa/Khartoum")  # UTC+2
    lo, hi = datetime(2024, 3, 12, 22, tzinfo=UTC), datetime(2024, 3, 13, 22, tzinfo=UTC)
    assert (read.starts_at, read.start_range, read.start_precision, read.start_zone) == (lo, (lo, hi), "range", "place")
