"""Digests (email text + HTML, Slack parts, webhook body) and Slack message splitting.

Pure: hand-built Pause/Change records, no clock, no network. The golden files
tests/golden/digest_small.{txt,html} are regenerated with

    UPDATE_GOLDEN=1 pytest tests/test_digest.py -k golden

and the diff reviewed.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.alerts import slack_limits as sl
from tracker.alerts.digest import Digest, DigestInput, DigestRenderer, StaleFeed, local_label
from tracker.errors import TemplateError
from tracker.types import KINDS, Actor, Change, Evidence, Mention, Pause

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
NOW = datetime(2025, 11, 25, 8, 0, tzinfo=UTC)  # a Tuesday; 09:00 in Paris (CET)
HOSTILE = "Ceasefire\r\nBcc: x@example.org <script>alert(1)</script>"
H = timedelta(hours=1)


# --------------------------------------------------------------------------- builders


def pause(id: int, **kw) -> Pause:
    base = dict(
        id=id, kind="ceasefire", location="Aleppo", country="Syria", status="agreed", duration_hours=48.0,
        start_text=None, starts_at=None, ends_at=None,
        actors=(Actor("Russia", "proposed"), Actor("UN", "welcomed")),
        first_seen=NOW - 72 * H, last_seen=NOW - H, sources=("wire.example.org", "desk.example.net"),
    )
    return Pause(**{**base, **kw})


def change(at: datetime, summary: str = "status proposed -> agreed", quote: str | None = "The parties agreed.",
           link: str | None = "https://wire.example.org/a?x=1&y=2", event: str = "status") -> Change:
    ev = None
    if quote is not None:
        m = Mention("ceasefire", "agreed", 48.0, "Aleppo", "Syria", (), None, None, quote, 0.9)
        ev = Evidence(m, f"k{at.timestamp()}", "wire.example.org", link, at)
    return Change(event, at, summary, "proposed", "agreed", ev)


PLACES = [
    ("Aleppo", "Syria"), ("Gaza", None), ("Khan Younis", "Gaza"), ("El Fasher", "Sudan"), ("Idlib", "Syria"),
    ("Tom & Jerry's <b>town</b>", "Nowhere"), ("Marioupol", "Ukraine"), (None, "Yemen"), ("Hodeidah", "Yemen"),
    ("Sana'a \"old city\"", "Yemen"),
]
STATUSES = ("proposed", "called_for", "agreed", "in_effect", "extended", "violated")
LONG = ("The negotiators said the humanitarian pause would allow convoys through the northern crossings "
        "& that monitors would report <any> violation \"within hours\". ") * 12


def many(n: int = 200) -> DigestInput:
    """n open pauses, varied; a third changed (some twice, with long and hostile quotes);
    five closed pauses that changed; three stale feeds."""
    pauses, changes = [], []
    for i in range(n):
        place, country = PLACES[i % len(PLACES)]
        if i == 7:
            place = HOSTILE
        shape = i % 4
        starts = ends = None
        if shape == 1:  # starts later (some within 24 h)
            starts = NOW + (i % 40) * H + 7 * timedelta(minutes=1)
            ends = starts + 48 * H
        elif shape == 2:  # running, ends within days
            starts = NOW - 10 * H
            ends = NOW + (i % 60) * H + 30 * timedelta(minutes=1)
        elif shape == 3:  # running, end not known
            starts = NOW - 30 * H
        p = pause(
            i + 1, kind=KINDS[i % len(KINDS)], location=place, country=country, status=STATUSES[i % len(STATUSES)],
            duration_hours=(None, 48.0, 72.0, 24.0 * 30)[i % 4], starts_at=starts, ends_at=ends,
            start_text="this week" if shape == 0 else None,
            actors=(Actor(HOSTILE if i == 7 else "UN", "welcomed"), Actor("Hamas & Israel <both>", "agreed")),
        )
        pauses.append(p)
        if i % 3 == 0:
            quote = LONG if i % 7 == 0 else (HOSTILE if i == 9 else f"Report {i}: the pause in {place} holds & <b>aid</b> flows. <!channel>")
            changes.append((p, change(NOW - (i % 20 + 1) * H, quote=quote)))
            if i % 2 == 0:
                changes.append((p, change(NOW - (i % 20 + 2) * H, summary=f"new: {HOSTILE}", event="new", link="javascript:alert(1)")))
    for j in range(5):
        p = pause(1000 + j, status="expired", starts_at=NOW - 50 * H, ends_at=NOW - 2 * H)
        changes.append((p, change(NOW - 2 * H, summary="expired", event="expired", quote=None)))
    stale = (
        StaleFeed("Wire <world>", "https://user:secret@feeds.example.org/world.xml?token=abc", NOW - 30 * H, "HTTP 503\r\nX-Evil: 1"),
        StaleFeed("Desk", "https://desk.example.net/rss", None, "timed out after 20 s"),
        StaleFeed("Quiet", "http://quiet.example.com/feed", NOW - 50 * H, None),
    )
    return DigestInput(NOW, NOW - 24 * H, "Europe/Paris", tuple(pauses), tuple(changes), stale)


@pytest.fixture(scope="module")
def renderer() -> DigestRenderer:
    return DigestRenderer()


@pytest.fixture(scope="module")
def big(renderer) -> tuple[DigestInput, Digest]:
    d = many()
    return d, renderer.render(d)


# --------------------------------------------------------------------------- helpers


def texts(obj) -> list[str]:
    """Every string under a "text" key, in order."""
    out: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "text" and isinstance(v, str):
                out.append(v)
            else:
                out.extend(texts(v))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(texts(v))
    return out


def u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def assert_within_slack_limits(part: dict) -> None:
    """Slack's published limits, checked here independently of slack_limits.violations."""
    assert isinstance(part.get("text"), str) and u16(part["text"]) <= 40000
    blocks = part.get("blocks", [])
    assert len(blocks) <= 50
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    for b in blocks:
        if b["type"] == "header":
            assert b["text"]["type"] == "plain_text" and 0 < u16(b["text"]["text"]) <= 150
        elif b["type"] == "section":
            assert "text" in b or "fields" in b
            if "text" in b:
                assert b["text"]["text"].strip() and u16(b["text"]["text"]) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(u16(f["text"]) <= 2000 for f in b.get("fields", []))
        elif b["type"] == "context":
            assert 1 <= len(b["elements"]) <= 10
            assert all(u16(e.get("text", "")) <= 3000 for e in b["elements"])
    assert sl.violations(part) == []
    json.dumps(part)  # serialisable


def words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------- split_message


def test_a_small_payload_is_returned_as_it_is():
    payload = {"text": "hi", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}], "username": "pt"}
    assert sl.split_message(payload) == [payload]


def test_a_long_section_is_cut_at_line_ends_and_packed_into_messages_of_at_most_50_blocks():
    lines = [f"• line {i:04d}: " + "word " * (i % 30) for i in range(600)]
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Many lines"}},
              {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}, "block_id": "long"}]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": f"block {k}"}} for k in range(80)]
    payload = {"text": "Fallback", "blocks": blocks, "username": "pt"}
    parts = sl.split_message(payload)
    assert len(parts) >= 3
    n = len(parts)
    everything = "\n".join(t for part in parts for t in texts(part))
    for i, part in enumerate(parts, 1):
        assert_within_slack_limits(part)
        assert part["text"] == f"Fallback (part {i} of {n})"
        assert part["username"] == "pt"
        if i > 1:
            assert part["blocks"][0]["elements"][0]["text"] == f"(continued, part {i} of {n})"
        else:
            assert part["blocks"][-1]["elements"][0]["text"] == f"(part 1 of {n}, continued below)"
    for line in lines:
        assert line in everything  # every line whole, none cut
    assert all(f"block {k}\n" in everything + "\n" for k in range(80))
    assert payload["blocks"][1]["text"]["text"] == "\n".join(lines)  # input untouched


def test_a_line_longer_than_a_section_is_cut_between_words_and_a_quote_stays_a_quote():
    line = "> " + " ".join(f"w{i}" for i in range(2000))  # ~11,000 characters
    parts = sl.split_message({"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]})
    sections = [t for part in parts for t in texts(part) if t.startswith("> ")]
    assert len(sections) >= 4 and all(u16(s) <= 3000 for s in sections)
    got = [w for s in sections for w in words(s.removeprefix("> "))]
    assert got == words(line.removeprefix("> "))


def test_cuts_never_break_a_link_or_an_entity():
    link = "<https://wire.example.org/a?x=1&amp;y=2|the full article with a long label>"
    text = " ".join(f"{link} &amp;&lt;{i}&gt;" for i in range(200))
    pieces = sl.split_text(text, 3000)
    assert len(pieces) > 1
    for piece in pieces:
        assert piece.count("<") == piece.count(">")
        assert not re.search(r"&[a-z]*$", piece) and not re.match(r"^[a-z]*;", piece)
    assert words(" ".join(pieces)) == words(text)


def test_a_word_longer_than_the_limit_is_cut_hard_but_nothing_is_lost():
    word = "x" * 7000
    pieces = sl.split_text(word, 3000)
    assert "".join(pieces) == word and all(len(p) <= 3000 for p in pieces)


def test_fields_headers_and_contexts_are_made_to_fit():
    fields = [{"type": "mrkdwn", "text": f"*F{i}*\n" + "y " * 1200} for i in range(25)]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "H " * 100}, "block_id": "h"},
        {"type": "section", "text": {"type": "mrkdwn", "text": "intro"}, "fields": fields, "block_id": "s"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"c{i}"} for i in range(15)]},
    ]
    parts = sl.split_message({"text": "t", "blocks": blocks})
    for part in parts:
        assert_within_slack_limits(part)
    everything = " ".join(t for part in parts for t in texts(part))
    assert words(everything).count("y") == 25 * 1200
    assert all(f"*F{i}*" in everything for i in range(25)) and all(f"c{i}" in everything for i in range(15))
    assert ("H " * 100).strip() in everything  # the long header kept whole, as a section


def test_emoji_count_double_towards_the_limits():
    text = "🙂" * 2000  # 2,000 code points, 4,000 UTF-16 units
    parts = sl.split_message({"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]})
    for part in parts:
        assert_within_slack_limits(part)
    assert "".join(t for part in parts for t in texts(part)[1:]) == text


def test_a_header_is_never_left_last_in_a_message():
    blocks = []
    for k in range(40):
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": f"Title {k}"}})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"body {k}"}})
    parts = sl.split_message({"text": "t", "blocks": blocks})
    assert len(parts) == 2
    first, second = parts
    assert first["blocks"][-1]["type"] == "context"  # the part marker
    assert first["blocks"][-2]["type"] == "section"  # not the header of the section that moved on
    assert second["blocks"][1]["type"] == "header" and second["blocks"][-1]["type"] == "section"


def test_a_text_only_payload_is_split_not_shortened():
    lines = [f"line {i} " + "z" * 90 for i in range(1000)]  # ~100,000 characters
    parts = sl.split_message({"text": "\n".join(lines)})
    assert len(parts) == 3
    for part in parts:
        assert_within_slack_limits(part)
    everything = "\n".join(p["text"] for p in parts)
    assert all(line in everything for line in lines)


def test_violations_names_what_is_over():
    bad = {"text": "x" * 40001, "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}] * 51}
    problems = sl.violations(bad)
    assert any("blocks: 51" in p for p in problems) and any("header text 151" in p for p in problems)
    assert any("text: 40001" in p for p in problems)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400), max_size=120),
       st.integers(min_value=1, max_value=70))
def test_split_message_keeps_every_line_within_every_limit(lines, n_blocks):
    lines = [re.sub(r"\s+", " ", line).strip() or "." for line in lines] or ["."]
    body = "\n".join(lines)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": body * 3}}]
    blocks += [{"type": "divider"}] * n_blocks
    parts = sl.split_message({"text": "fallback", "blocks": blocks})
    for part in parts:
        assert_within_slack_limits(part)
    everything = "\n".join(t for part in parts for t in texts(part))
    for line in lines:
        if u16(line) <= 3000:
            assert line in everything


# --------------------------------------------------------------------------- the 200-pause digest


def test_a_200_pause_digest_fits_slack_in_several_parts_and_loses_no_pause(big):
    d, digest = big
    parts = digest.slack_parts
    assert len(parts) >= 2
    for i, part in enumerate(parts, 1):
        assert_within_slack_limits(part)
        assert part["text"].endswith(f"(part {i} of {len(parts)})")
    everything = "\n".join(t for part in parts for t in texts(part))
    for p in d.pauses:
        assert f"(#{p.id})" in everything  # its line in "Active pauses"
    for j in range(5):
        assert f"(#{1000 + j}, now _expired_)" in everything  # closed pauses that changed
    assert "<script>" not in everything and "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "javascript:" not in everything
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything  # no mass mention
    assert "humanitarian pause in Yemen ·" in everything  # no place named: its country


def test_the_200_pause_email_stays_under_gmail_s_clip_and_keeps_every_pause_in_the_text(big):
    from tracker.alerts.digest import HTML_CAP

    d, digest = big
    assert "\r" not in digest.subject and "\n" not in digest.subject
    assert digest.subject == "[pause-tracker] Digest 25 Nov 09:00 CET: 200 active, 72 changed, 3 stale sources"
    assert "<script>" not in digest.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in digest.html
    assert 'href="javascript:' not in digest.html
    assert "\r" not in digest.text and "Bcc: x@example.org <script>" in digest.text  # plain text, one line
    assert len(digest.html.encode("utf-8")) < 102 * 1024  # Gmail clips a message past 102 KB
    assert "and 170 more active pauses: all of them are in the plain-text part" in digest.html
    shown = [p for p in d.pauses if f"#{p.id}<" in digest.html or f"#{p.id} " in digest.html]
    assert len(shown) >= HTML_CAP
    for p in d.pauses:
        assert re.search(rf"^#{p.id}  ", digest.text, re.M), p.id
    # every pause's title, as a person reads it, in the HTML too
    plain = htmllib.unescape(re.sub(r"<[^>]+>", " ", digest.html))
    assert "Tom & Jerry's <b>town</b>" in plain and "Sana'a \"old city\"" in plain
    # soonest deadline first in the text part
    active = digest.text.split("ACTIVE PAUSES")[1].split("CHANGED (")[0]
    ids = [int(m) for m in re.findall(r"^#(\d+)  ", active, re.M)]
    left = [next(p for p in d.pauses if p.id == i).seconds_left(NOW) for i in ids]
    known = [s for s in left if s is not None]
    assert known == sorted(known) and left[len(known):] == [None] * (len(left) - len(known))


def test_the_webhook_body_of_a_digest_is_versioned_and_complete(big):
    d, digest = big
    body = json.loads(json.dumps(digest.webhook))
    assert body["type"] == "digest" and body["version"] == 1 and body["timestamp"] == NOW.isoformat()
    data = body["data"]
    assert len(data["active"]) == 200 and data["timezone"] == "Europe/Paris" and data["empty"] is False
    assert len(data["changed"]) == 72 and sum(len(g["changes"]) for g in data["changed"]) == len(d.changes)
    assert data["stale_feeds"][0]["url"] == "https://feeds.example.org/world.xml?…"
    assert "secret" not in json.dumps(data["stale_feeds"])


# --------------------------------------------------------------------------- sections


def small() -> DigestInput:
    soon = pause(1, location="Aleppo", starts_at=NOW + 2 * H, ends_at=NOW + 50 * H)  # starts in 2 h
    ending = pause(2, location="Gaza", country=None, kind="humanitarian_pause", duration_hours=72.0, status="in_effect",
                   starts_at=NOW - 48 * H, ends_at=NOW + 24 * H - timedelta(minutes=1))  # ends in 23 h 59 min
    later = pause(3, location="Idlib", status="in_effect", starts_at=NOW - H, ends_at=NOW + 25 * H)  # ends in 25 h
    vague = pause(4, location="El Fasher", country="Sudan", kind="aid_corridor", status="proposed",
                  duration_hours=None, start_text="next week")
    closed = pause(5, location="Hodeidah", country="Yemen", status="collapsed", starts_at=NOW - 5 * H, ends_at=NOW + 3 * H)
    changes = (
        (soon, change(NOW - 20 * H, summary="new: 48-hour ceasefire in Aleppo (Syria), proposed", event="new",
                      quote="Russia proposes a 48-hour ceasefire in Aleppo.")),
        (soon, change(NOW - 3 * H, summary="status proposed -> agreed", quote="Both sides agreed & signed.")),
        (closed, change(NOW - H, summary="status violated -> collapsed", quote=None)),
    )
    stale = (StaleFeed("Desk", "https://desk.example.net/rss", NOW - 30 * H, "HTTP 503"),)
    return DigestInput(NOW, NOW - 24 * H, "Europe/Paris", (soon, ending, later, vague, closed), changes, stale)


def test_next_24_hours_lists_starts_and_ends_due_in_the_window_only(renderer):
    digest = renderer.render(small())
    nxt = digest.webhook["data"]["next_24h"]
    assert [(x["pause_id"], x["event"]) for x in nxt] == [(1, "starts"), (2, "ends")]
    section = digest.text.split("NEXT 24 HOURS")[1].split("ACTIVE PAUSES")[0]
    assert "Tue 25 Nov 11:00 CET (10:00 UTC)  STARTS (in 2 h)" in section
    assert "Wed 26 Nov 08:59 CET (07:59 UTC)  ENDS (in 23 h 59 min)" in section
    assert "Idlib" not in section and "Hodeidah" not in section  # 25 h away; collapsed


def test_active_pauses_are_the_open_ones_soonest_deadline_first(renderer):
    digest = renderer.render(small())
    assert [p["id"] for p in digest.webhook["data"]["active"]] == [1, 2, 3, 4]
    active = digest.text.split("ACTIVE PAUSES")[1].split("CHANGED")[0]
    assert "#1  48-hour ceasefire in Aleppo, Syria" in active
    assert "agreed · 2 h to start (!) · starts Tue 25 Nov 11:00 CET (10:00 UTC)" in active
    assert "#4  Aid corridor in El Fasher, Sudan" in active and "start not fixed" in active
    assert "Hodeidah" not in active


def test_changes_are_grouped_per_pause_latest_first(renderer):
    digest = renderer.render(small())
    changed = digest.text.split("CHANGED (2 pauses, 3 changes since Mon 24 Nov 09:00 CET)")[1].split("SOURCES GONE STALE")[0]
    assert changed.index("#5  48-hour ceasefire in Hodeidah, Yemen, now collapsed") < changed.index("#1  48-hour ceasefire in Aleppo")
    aleppo = changed.split("#1  ")[1]
    assert aleppo.index("new: 48-hour ceasefire") < aleppo.index("status proposed -> agreed")
    assert '"Both sides agreed & signed."' in aleppo
    groups = digest.webhook["data"]["changed"]
    assert [g["pause"]["id"] for g in groups] == [5, 1] and [len(g["changes"]) for g in groups] == [1, 2]


def test_stale_sources_show_when_they_last_worked_and_why_not(renderer):
    d = small()
    digest = renderer.render(d)
    stale = digest.text.split("SOURCES GONE STALE (1)")[1]
    assert "Desk  https://desk.example.net/rss" in stale
    assert "last success: Mon 24 Nov 03:00 CET (02:00 UTC) (1 d 6 h ago)" in stale
    assert "last error: HTTP 503" in stale
    assert "1 stale source" in digest.subject
    assert "Sources gone stale (1)" in json.dumps(digest.slack_parts)


def test_times_are_in_the_channels_time_zone_with_utc_in_brackets(renderer):
    d = small()
    paris = renderer.render(d)
    assert paris.subject.startswith("[pause-tracker] Digest 25 Nov 09:00 CET: 4 active, 2 changed")
    assert "Tue 25 Nov 09:00 CET (08:00 UTC)" in paris.text and "Times are Europe/Paris (UTC in brackets)." in paris.text
    tokyo = renderer.render(DigestInput(NOW, None, "Asia/Tokyo", d.pauses, d.changes, d.stale_feeds))
    assert "Digest 25 Nov 17:00 JST" in tokyo.subject and "Tue 25 Nov 19:00 JST (10:00 UTC)" in tokyo.text
    utc = renderer.render(DigestInput(NOW, None, "UTC", d.pauses, d.changes, d.stale_feeds))
    assert "Tue 25 Nov 10:00 UTC  STARTS" in utc.text and "(10:00 UTC)" not in utc.text
    assert "CHANGED (2 pauses, 3 changes)\n" in utc.text  # no previous digest: no "since"
    # no abbreviation: an offset; summer time; a date across midnight; another year
    assert local_label(NOW, __import__("zoneinfo").ZoneInfo("America/Sao_Paulo"), NOW) == "Tue 25 Nov 05:00 UTC-03 (08:00 UTC)"
    summer = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)
    assert local_label(summer, __import__("zoneinfo").ZoneInfo("Europe/Paris"), NOW) == "Wed 02 Jul 01:30 CEST (Tue 23:30 UTC)"
    assert local_label(summer + timedelta(days=365), __import__("zoneinfo").ZoneInfo("UTC"), NOW) == "Wed 01 Jul 2026 23:30 UTC"


def test_an_empty_digest_still_says_nothing_to_report(renderer):
    d = DigestInput(NOW, NOW - 24 * H, "Europe/Paris", (pause(9, status="ended"),), (), ())
    assert d.is_empty
    digest = renderer.render(d)
    assert digest.subject == "[pause-tracker] Digest 25 Nov 09:00 CET: nothing to report"
    for part in (digest.text, digest.html, json.dumps(digest.slack_parts)):
        assert "Nothing to report" in part
    assert len(digest.slack_parts) == 1 and len(digest.slack_parts[0]["blocks"]) <= 5
    assert_within_slack_limits(digest.slack_parts[0])
    assert digest.webhook["data"]["empty"] is True and digest.webhook["data"]["active"] == []
    assert len(digest.text.splitlines()) < 12


def test_only_http_links_are_rendered(renderer):
    p = pause(1)
    bad = change(NOW - H, link="javascript:alert(document.cookie)")
    digest = renderer.render(DigestInput(NOW, None, "UTC", (p,), ((p, bad),), ()))
    for part in (digest.text, digest.html, json.dumps(digest.slack_parts)):
        assert "javascript:" not in part
    good = renderer.render(DigestInput(NOW, None, "UTC", (p,), ((p, change(NOW - H)),), ()))
    assert 'href="https://wire.example.org/a?x=1&amp;y=2"' in good.html
    assert "<https://wire.example.org/a?x=1&amp;y=2|wire.example.org>" in json.dumps(good.slack_parts)


def test_an_override_replaces_its_built_in_and_a_broken_one_falls_back_with_a_note(tmp_path, renderer):
    (tmp_path / "digest_subject.txt.j2").write_text("Desk digest: {{ active | length }} active")
    d = DigestRenderer(tmp_path).render(small())
    assert d.subject == "Desk digest: 4 active" and d.notes == ()
    assert d.text == renderer.render(small()).text  # the parts not overridden are the built-in ones
    (tmp_path / "digest.txt.j2").write_text("{{ no_such_field }}")
    (tmp_path / "slack_digest.json.j2").write_text("{not json")
    d = DigestRenderer(tmp_path).render(small())
    assert d.text == renderer.render(small()).text and d.slack_parts == renderer.render(small()).slack_parts
    assert any("no_such_field" in n for n in d.notes) and any("slack" in n for n in d.notes)


def test_a_broken_time_zone_fails_loudly(renderer):
    with pytest.raises(TemplateError, match="time zone"):
        renderer.render(DigestInput(NOW, None, "Mars/Olympus", (), (), ()))


@pytest.mark.parametrize("ext", ["txt", "html"])
def test_golden_small_digest(renderer, ext):
    digest = renderer.render(small())
    got = digest.text if ext == "txt" else digest.html
    path = GOLDEN / f"digest_small.{ext}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"regenerate with UPDATE_GOLDEN=1 and review the diff of {path}"
