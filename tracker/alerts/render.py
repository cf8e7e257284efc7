"""Jinja2 over templates/: a pause and one change -> email (subject, text, HTML), Slack
Block Kit payload and the generic webhook's JSON body.

Pure once built: the Renderer reads its templates when constructed (tracker.app does
that); render() does no I/O and reads no clock (`now` is passed in). Does not decide
whether to send. Templates fail loudly (StrictUndefined); HTML is autoescaped.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import jinja2

from ..errors import TemplateError
from ..lifecycle import describe, format_hours
from ..types import Change, Pause, Rendered

#: Version of the generic webhook's JSON body (documented in docs/webhook.md).
WEBHOOK_SCHEMA_VERSION = 1

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def one_line(text: str) -> str:
    """No CR, LF or other control characters: safe for a header or a title."""
    return _CONTROL.sub(" ", text).strip()


def slack_escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def time_left(p: Pause, now: datetime) -> str:
    """'1 d 23 h to start', '5 h 10 min left', 'ended', 'start not fixed'."""
    if not p.is_open:
        return p.status
    seconds = p.seconds_left(now)
    if seconds is None:
        return "start not fixed" if not p.starts_at else "end not known"
    minutes = int(seconds // 60)
    d, h, m = minutes // 1440, minutes % 1440 // 60, minutes % 60
    text = " ".join(part for part in (f"{d} d" if d else "", f"{h} h" if h else "", f"{m} min" if m and not d else "") if part) or "under a minute"
    return f"{text} to start" if p.starts_at and now < p.starts_at else f"{text} left"


def pause_view(p: Pause, now: datetime) -> dict:
    """What templates see of a pause: plain values and ready-made labels."""
    place = p.location or "unnamed place"
    if p.country and p.country != p.location:
        place = f"{place}, {p.country}"
    duration = format_hours(p.duration_hours).replace("-hour", " hours").replace("-day", " days") if p.duration_hours else "not stated"
    if p.duration_hours and not p.starts_at:
        duration += ", start not fixed"
    return {
        "id": p.id,
        "kind": p.kind,
        "kind_label": p.kind.replace("_", " "),
        "location": p.location,
        "country": p.country,
        "place": place,
        "status": p.status,
        "status_label": p.status.replace("_", " "),
        "duration_hours": p.duration_hours,
        "duration_label": duration,
        "start_text": p.start_text,
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
        "starts_label": f"{p.starts_at:%a %d %b %Y %H:%M} UTC" if p.starts_at else (f"not fixed ({p.start_text!r})" if p.start_text else "not fixed"),
        "ends_label": f"{p.ends_at:%a %d %b %Y %H:%M} UTC" if p.ends_at else "not known",
        "time_left": time_left(p, now),
        "seconds_left": p.seconds_left(now),
        "actors": [{"name": a.name, "stance": a.stance} for a in p.actors],
        "actors_label": ", ".join(f"{a.name} ({a.stance.replace('_', ' ')})" for a in p.actors) or "none named",
        "sources": list(p.sources),
        "description": describe(p),
    }


def headline(p: Pause, change: Change) -> str:
    kind = p.kind.replace("_", " ")
    length = f"{format_hours(p.duration_hours)} " if p.duration_hours else ""
    place = p.location or "unnamed place"
    verbs = {
        "new": p.status.replace("_", " "),
        "status": p.status.replace("_", " "),
        "times": "times set",
        "starts_soon": "starts within the hour",
        "started": "start time reached",
        "ends_soon": "ends within 6 hours",
        "expired": "expired",
    }
    prefix = "New: " if change.event == "new" else ""
    return one_line(f"{prefix}{length}{kind} in {place} {verbs.get(change.event, change.event)}")


class Renderer:
    """Built once from a templates folder; render() is pure."""

    def __init__(self, folder: Path):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
            keep_trailing_newline=True,
        )
        self.env.filters["slack"] = slack_escape
        try:
            self.templates = {
                name: self.env.get_template(name)
                for name in ("email_subject.txt.j2", "email.txt.j2", "email.html.j2", "slack.json.j2")
            }
        except jinja2.TemplateError as e:
            raise TemplateError(f"template {getattr(e, 'name', '') or ''} in {folder}: {e}") from e

    def render(self, pause: Pause, change: Change, now: datetime) -> Rendered:
        ev = change.evidence
        context = {
            "pause": pause_view(pause, now),
            "change": {
                "event": change.event,
                "summary": change.summary,
                "old_status": change.old_status,
                "new_status": change.new_status,
                "quote": ev.mention.quote if ev else None,
                "source": ev.source if ev else None,
                "link": ev.link if ev else None,
                "published": ev.published if ev else None,
            },
            "headline": headline(pause, change),
            "now": now,
            "now_label": f"{now:%Y-%m-%d %H:%M} UTC",
        }
        try:
            subject = one_line(self.templates["email_subject.txt.j2"].render(context))
            text = self.templates["email.txt.j2"].render(context)
            html = self.templates["email.html.j2"].render(context)
            slack = json.loads(self.templates["slack.json.j2"].render(context))
        except jinja2.TemplateError as e:
            raise TemplateError(f"template failed: {e}") from e
        except json.JSONDecodeError as e:
            raise TemplateError(f"slack.json.j2 did not render valid JSON: {e}") from e
        return Rendered(subject, text, html, slack, webhook_payload(pause, change, now))


def webhook_payload(p: Pause, change: Change, now: datetime) -> dict:
    """The generic webhook body, schema version WEBHOOK_SCHEMA_VERSION. Pure."""
    ev = change.evidence
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "type": f"pause.{change.event}",
        "version": WEBHOOK_SCHEMA_VERSION,
        "timestamp": now.isoformat(),
        "data": {
            "pause": {
                "id": p.id,
                "kind": p.kind,
                "location": p.location,
                "country": p.country,
                "status": p.status,
                "duration_hours": p.duration_hours,
                "start_text": p.start_text,
                "starts_at": iso(p.starts_at),
                "ends_at": iso(p.ends_at),
                "seconds_left": p.seconds_left(now),
                "actors": [{"name": a.name, "stance": a.stance} for a in p.actors],
                "sources": list(p.sources),
                "first_seen": iso(p.first_seen),
                "last_seen": iso(p.last_seen),
            },
            "change": {
                "event": change.event,
                "summary": change.summary,
                "old_status": change.old_status,
                "new_status": change.new_status,
                "evidence": None
                if ev is None
                else {"quote": ev.mention.quote, "source": ev.source, "link": ev.link, "published": iso(ev.published)},
            },
        },
    }
