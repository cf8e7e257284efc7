"""The pure decider (tracker.decide) and alert planning (tracker.alerts.plan.plan_alerts),
without a database: records in, intents out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tracker import decide
from tracker.alerts.plan import involved, peer_wait, plan_alerts, retry_delay
from tracker.feeds.fetch import Fetched, FetchFailed
from tracker.feeds.parse import content_hash
from tracker.lifecycle import reconcile
from tracker.poller import Digested
from tracker.types import Actor, Article, ChangeView, Evidence, FeedState, Mention, PendingAlert, Rendered, SavedChange

T0 = datetime(2016, 8, 18, 12, 0, tzinfo=UTC)
URL = "https://wire.example.org/feed"


def feed(**kw) -> FeedState:
    base = FeedState(7, URL, "Wire", 900, '"v0"', "Wed, 17 Aug 2016 12:00:00 GMT", T0, T0 - timedelta(minutes=15), T0 - timedelta(minutes=15), "ok 200", None, 0)
    return replace(base, **kw)


def article(key="a1", text="Russia proposes a 48-hour ceasefire in Aleppo.") -> Article:
    return Article(key, "Aleppo", f"https://wire.example.org/{key}", T0, text, content_hash("Aleppo", text))


def mention(status="proposed") -> Mention:
    return Mention("ceasefire", status, 48.0, "Aleppo", "Syria", (Actor("Russia", "proposed"),), None, None, "quote", 0.9)


def ok(body=b"<rss/>") -> Fetched:
    return Fetched(URL, 200, body, '"v1"', None, "application/rss+xml", sha256="s1")


# --------------------------------------------------------------------------- failed polls


def test_a_failed_poll_backs_off_and_raises_an_alert_on_the_third_failure_only():
    err = FetchFailed(URL, "HTTP 503", status=503, retryable=True)
    first = decide.failed(feed(), err, 0.5, T0)
    assert first.status == "error" and first.outcome.status == "error" and first.outcome.error == str(err)
    assert first.outcome.next_poll_at > T0 and first.health is None
    assert "transient #1" in first.warnings[0]  # what the engine logs: when it is tried again
    since = T0 - timedelta(hours=1)
    third = decide.failed(feed(consecutive_failures=2, failing_since=since), err, 0.5, T0)
    assert third.health is not None and third.health.key == f"health/feed-7/failing/{since.isoformat()}"
    assert third.health.problem == "3 polls in a row failed" and third.health.summary == "source unhealthy: Wire: 3 polls in a row failed"
    assert decide.failed(feed(consecutive_failures=3, failing_since=since), err, 0.5, T0).health is None  # once per streak


def test_a_gone_feed_is_disabled_and_said_so():
    intent = decide.failed(feed(), FetchFailed(URL, "HTTP 410 Gone", status=410, gone=True), 0.5, T0)
    assert intent.outcome.status == "gone" and intent.outcome.next_poll_at is None
    assert intent.health.key == "health/feed-7/gone"


# --------------------------------------------------------------------------- unchanged


def test_not_modified_keeps_the_validators_and_counts_a_permanent_move():
    moved = "https://wire.example.net/feed"
    fetched = Fetched(URL, 304, None, None, None, permanent_url=moved)
    intent = decide.unchanged(feed(), fetched, 0.5, T0)
    o = intent.outcome
    assert (intent.status, o.status, o.etag, o.last_modified) == ("not modified", "not modified", '"v0"', "Wed, 17 Aug 2016 12:00:00 GMT")
    assert (o.moved_to, o.moved_count, o.fetch_url, intent.moved) == (moved, 1, None, None)  # one 301 is not yet a move
    assert intent.articles == () and intent.updates == ()


def test_a_feed_that_answers_but_publishes_nothing_for_too_long_is_silent():
    last = T0 - timedelta(days=3)
    intent = decide.unchanged(feed(last_article_at=last), Fetched(URL, 304, None, None, None), 0.5, T0)
    assert intent.health.key == f"health/feed-7/silent/{last.isoformat()}" and intent.health.problem == "no new article for 72 hours"
    assert decide.unchanged(feed(last_article_at=T0 - timedelta(hours=1)), Fetched(URL, 304, None, None, None), 0.5, T0).health is None


# --------------------------------------------------------------------------- a new body


def test_a_new_article_with_a_mention_makes_a_new_pause_and_the_next_poll():
    a = article()
    d = Digested((a,), ((mention(),),), ttl_seconds=60)
    evidence = decide.evidence(feed(), d, [a], T0)
    assert [(e.article_key, e.source, e.link) for e in evidence] == [("a1", "wire.example.org", a.link)]
    intent = decide.fetched(feed(), ok(), d, [a], frozenset(), evidence, decide.NO_CANDIDATES, T0, 0.5)
    assert intent.status == "ok" and intent.articles == (a,)
    [u] = intent.updates
    assert u.before is None and u.after.kind == "ceasefire" and [c.event for c in u.changes] == ["new"]
    o = intent.outcome
    assert (o.status, o.etag, o.body_sha256, o.ttl_seconds, o.new_articles) == ("ok 200", '"v1"', "s1", 60, 1)
    assert intent.health is None


def test_an_article_without_mentions_touches_no_pause():
    a = article(text="Shares rose.")
    d = Digested((a,), ((),))
    assert decide.evidence(feed(), d, [a], T0) == []
    intent = decide.fetched(feed(), ok(), d, [a], frozenset(), [], decide.NO_CANDIDATES, T0, 0.5)
    assert intent.updates == () and intent.articles == (a,) and intent.outcome.new_articles == 1


def test_evidence_joins_a_candidate_pause():
    a, b = article("a1"), article("b1", "Russia and the rebels agreed a 48-hour ceasefire in Aleppo.")
    [first] = reconcile([], [Evidence(mention(), a.key, "wire.example.org", a.link, T0)], T0)
    pause = replace(first.after, id=3)
    known = {3: [ev.as_stored() for ev in first.evidence]}
    d = Digested((b,), ((mention("agreed"),),))
    ev = decide.evidence(feed(), d, [b], T0)
    intent = decide.fetched(feed(), ok(), d, [b], frozenset(), ev, decide.Candidates([pause], known), T0, 0.5)
    [u] = intent.updates
    assert u.before == pause and u.after.id == 3 and u.after.status == "agreed" and [c.event for c in u.changes] == ["status"]


def test_warnings_of_the_parser_and_of_reused_guids_are_handed_to_the_writer():
    a = article()
    intent = decide.fetched(feed(), ok(), Digested((a,), ((),), warning="bozo"), [a], frozenset(), [], decide.NO_CANDIDATES, T0, 0.5, reused_guids=2)
    assert intent.warnings[0] == "bozo" and intent.warnings[1].startswith("guid reused: 2 entries")


def test_an_article_whose_mentions_break_reconcile_is_skipped_and_named():
    good, bad = article("a1"), article("b1", "A 99999999-day ceasefire in Idlib starting on Saturday.")
    huge = Mention("ceasefire", "agreed", 99_999_999 * 24.0, "Idlib", "Syria", (), "on Saturday", T0 + timedelta(days=2), "quote", 0.9)
    d = Digested((good, bad), ((mention(),), (huge,)))
    ev = decide.evidence(feed(), d, [good, bad], T0)
    intent = decide.fetched(feed(), ok(), d, [good, bad], frozenset(), ev, decide.NO_CANDIDATES, T0, 0.5)
    assert len(intent.updates) == 1 and {e.article_key for u in intent.updates for e in u.evidence} == {"a1"}
    assert "could not be reconciled, skipped: 'b1' (OverflowError" in intent.warnings[-1]


# --------------------------------------------------------------------------- alert planning


def render(pause, views, channel):
    return Rendered(f"{channel}: {' + '.join(v.event for v in views)}", "text", "<p>html</p>", {}, {}), []


def saved_change(pause, change, id):
    return SavedChange(id, pause, change, replace(ChangeView.of(change), id=id))


def new_pause(status="proposed"):
    [u] = reconcile([], [Evidence(mention(status), "a1", "w", None, T0)], T0)
    return u, replace(u.after, id=5)


def test_a_change_starts_an_alert_per_channel_keyed_by_pause_change_and_channel():
    u, pause = new_pause()
    sc = saved_change(pause, u.changes[0], 11)
    route = lambda p, c: [("slack", 0), ("email", 300)]  # noqa: E731
    writes = plan_alerts([(u, pause, [sc])], [], route, render, T0)
    assert [(w.id, w.key, w.channel, w.change_ids, w.next_try_at, w.summary) for w in writes] == [
        (None, "pause-5/change-11/slack", "slack", (11,), T0, sc.change.summary),
        (None, "pause-5/change-11/email", "email", (11,), T0 + timedelta(minutes=5), sc.change.summary),
    ]
    assert writes[0].rendered.subject == "slack: new"
    assert involved([(u, pause, [sc])], route) == {5}  # email groups: its waiting alerts are read
    assert involved([(u, pause, [sc])], lambda p, c: [("slack", 0)]) == set()  # nothing to read


def test_a_change_joins_the_alert_still_waiting_out_its_group_window():
    u, pause = new_pause()
    earlier = replace(ChangeView.of(u.changes[0]), id=11)
    waiting = PendingAlert(40, 5, "email", 0, T0 + timedelta(minutes=2), None, (earlier,))
    tried = PendingAlert(41, 5, "slack", 1, T0 + timedelta(minutes=2), None, (earlier,))  # tried once: not joined
    [later] = reconcile([pause], [Evidence(mention("agreed"), "a2", "w", None, T0)], T0, {5: list(u.evidence)})
    sc = saved_change(later.after, later.changes[0], 12)
    writes = plan_alerts([(later, later.after, [sc])], [waiting, tried], lambda p, c: [("email", 300), ("slack", 300)], render, T0)
    assert [(w.id, w.channel, w.change_ids) for w in writes] == [(40, "email", (11, 12)), (None, "slack", (12,))]
    assert writes[0].rendered.subject == "email: new + status" and writes[0].summary == f"{earlier.summary} / {sc.change.summary}"
    assert writes[0].next_try_at == waiting.next_try_at  # joining does not move the window


def test_countdown_changes_no_longer_true_leave_pending_alerts_and_an_empty_one_is_withdrawn():
    u, pause = new_pause("agreed")
    start = T0 + timedelta(minutes=30)
    pause = replace(pause, starts_at=start)
    soon = ChangeView("starts_soon", "starts within the hour", id=21, key=f"starts_soon@{start.isoformat()}")
    news = ChangeView("status", "status proposed -> agreed", id=20)
    only_soon = PendingAlert(50, 5, "slack", 0, T0, "a note", (soon,))
    both = PendingAlert(51, 5, "email", 0, T0, None, (news, soon))
    collapsed = replace(pause, status="collapsed")
    update = replace(u, before=pause, after=collapsed, changes=())
    writes = plan_alerts([(update, collapsed, [])], [only_soon, both], lambda p, c: [], render, T0)
    assert [(w.id, w.status, w.change_ids) for w in writes] == [(50, "withdrawn", (21,)), (51, "pending", (20,))]
    assert writes[0].note.startswith("a note; withdrawn before sending: no longer true, the pause is now collapsed")
    assert writes[1].rendered.subject == "email: status" and writes[1].summary == news.summary


def test_retry_backs_off_exponentially_to_a_cap_and_a_peer_wait_is_clamped():
    assert [retry_delay(n, 0.5) for n in (0, 1, 2, 10)] == [60.0, 120.0, 240.0, 3600.0]
    assert retry_delay(0, 0.0) == 30.0
    assert peer_wait(None) is None and peer_wait(float("nan")) is None
    assert peer_wait(-5) == 0.0 and peer_wait(1e12) == 24 * 3600 and peer_wait(30.0) == 30.0
