"""Templates: email text + HTML, Slack Block Kit, webhook body. Pure once the Renderer is built."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.alerts.render import Renderer, one_line, time_left
from tracker.types import Actor, Change, Evidence, Mention, Pause

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2016, 8, 18, 12, 0, tzinfo=UTC)


def pause(**kw) -> Pause:
    base = dict(
        id=3, kind="ceasefire", location="Aleppo", country="Syria", status="proposed", duration_hours=48.0,
        start_text="this week", starts_at=None, ends_at=None,
        actors=(Actor("Russia", "proposed"), Actor("UN", "welcomed")), first_seen=T0, last_seen=T0,
        sources=("wire.example.org", "desk.example.net"),
    )
    return Pause(**{**base, **kw})


def change(quote="Russia proposes a 48 hour ceasefire in Aleppo.", link="https://wire.example.org/a?x=1&y=2") -> Change:
    m = Mention("ceasefire", "proposed", 48.0, "Aleppo", "Syria", (), None, None, quote, 0.9)
    return Change("new", T0, "new: 48-hour ceasefire in Aleppo (Syria), proposed, start not fixed", None, "proposed",
                  Evidence(m, "k", "wire.example.org", link, T0))


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def test_email_text_and_html_say_what_where_who_and_that_the_start_is_not_fixed(renderer):
    r = renderer.render(pause(), change(), T0)
    assert r.subject == "[pause-tracker] New: 48-hour ceasefire in Aleppo proposed"
    for part in (r.text, r.html):
        assert "Aleppo" in part and "Syria" in part and "48 hours, start not fixed" in part
        assert "Russia" in part and "UN" in part and "welcomed" in part
    assert "Time left: start not fixed" in r.text
    assert "Sources:   2 (wire.example.org, desk.example.net)" in r.text


def test_html_is_autoescaped_and_subjects_cannot_carry_headers(renderer):
    evil = change(quote='<script>alert(1)</script> "ceasefire"')
    r = renderer.render(pause(location="Aleppo\r\nBcc: victim@example.org"), evil, T0)
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html
    assert "\r" not in r.subject and "\n" not in r.subject
    assert one_line("a\r\nb\tc\x00d") == "a b c d"


def test_slack_payload_is_block_kit_with_escaped_mrkdwn(renderer):
    r = renderer.render(pause(), change(quote="Tom & Jerry <agree>"), T0)
    blocks = r.slack["blocks"]
    assert r.slack["text"].startswith("New: 48-hour ceasefire in Aleppo")
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    quote = next(b for b in blocks if b["type"] == "section" and b.get("text", {}).get("text", "").startswith(">"))
    assert quote["text"]["text"] == "> Tom &amp; Jerry &lt;agree&gt;"
    assert "<https://wire.example.org/a?x=1&amp;y=2|article>" in blocks[-1]["elements"][0]["text"]
    assert len(blocks) <= 50


def test_webhook_body_is_versioned_and_complete(renderer):
    start = T0 + timedelta(hours=10)
    r = renderer.render(pause(status="agreed", starts_at=start, ends_at=start + timedelta(hours=48)), change(), T0)
    body = r.webhook
    assert body["type"] == "pause.new" and body["version"] == 1
    p = body["data"]["pause"]
    assert p["starts_at"] == start.isoformat() and p["seconds_left"] == 36000
    assert p["actors"] == [{"name": "Russia", "stance": "proposed"}, {"name": "UN", "stance": "welcomed"}]
    assert body["data"]["change"]["evidence"]["source"] == "wire.example.org"


def test_time_left_labels():
    start = T0 + timedelta(hours=2, minutes=5)
    assert time_left(pause(), T0) == "start not fixed"
    assert time_left(pause(starts_at=start, ends_at=start + timedelta(hours=48)), T0) == "2 h 5 min to start"
    assert time_left(pause(starts_at=T0, ends_at=T0 + timedelta(hours=49)), T0) == "2 d 1 h left"
    assert time_left(pause(status="expired"), T0) == "expired"


def test_a_template_in_the_overrides_folder_replaces_the_built_in_and_falls_back_with_a_note(tmp_path, renderer):
    (tmp_path / "email_subject.txt.j2").write_text("DESK: {{ pause.place }}")
    rendered, notes = Renderer(tmp_path).render_noted(pause(), change(), T0)
    assert rendered.subject.startswith("DESK: ") and notes == []
    assert rendered.text == renderer.render(pause(), change(), T0).text  # the others stay built-in
    (tmp_path / "email.txt.j2").write_text("{{ pause.no_such_field }}")
    rendered, notes = Renderer(tmp_path).render_noted(pause(), change(), T0)
    assert rendered.text == renderer.render(pause(), change(), T0).text
    assert any("no_such_field" in n and "built-in" in n for n in notes)
    (tmp_path / "email.txt.j2").write_text("{% if %}")
    rendered, notes = Renderer(tmp_path).render_noted(pause(), change(), T0)
    assert rendered.text == renderer.render(pause(), change(), T0).text and any("email.txt.j2" in n for n in notes)


def test_only_http_links_reach_a_template(renderer):
    for link in ("javascript:alert(1)", "data:text/html,x", "https://x.example/a|b>c"):
        r = renderer.render(pause(), change(link=link), T0)
        assert "javascript:" not in r.html and "data:text" not in r.html
        assert "|article>" not in json.dumps(r.slack)
    ok = renderer.render(pause(), change(link="https://wire.example.org/a"), T0)
    assert 'href="https://wire.example.org/a"' in ok.html
