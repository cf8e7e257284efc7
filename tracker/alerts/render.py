"""Jinja2 over the built-in templates (the package tracker.templates, from the top-level
templates/ folder) and a user's overrides (sandboxed; the built-in one is used when one
fails, and render_noted says so): a pause and its changes (one, or several grouped into
one alert) -> email (subject, text, HTML), Slack Block Kit payload and the generic
webhook's JSON body.

Pure once built: the Renderer reads its templates when constructed (tracker.app does
that); render() does no I/O and reads no clock (`now` is passed in). Does not decide
whether to send. Templates fail loudly (StrictUndefined); HTML is autoescaped.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from ..errors import TemplateError
from ..lifecycle import describe, format_hours
from ..types import Change, ChangeView, Pause, Rendered

#: Version of the generic webhook's JSON body (documented in docs/webhook.md).
WEBHOOK_SCHEMA_VERSION = 1

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def one_line(text: str) -> str:
    """No CR, LF or other control characters: safe for a header or a title."""
    return _CONTROL.sub(" ", text).strip()


def http_link(url: str | None) -> str | None:
    """`url` when it is http(s) with a host, else None: autoescaping does not stop a
    `javascript:` href, and Slack's `<url|label>` must not carry a `|` or `>`."""
    if not url:
        return None
    url = one_line(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in " |<>\"'"):
        return None
    return url


def slack_escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def time_left(p: Pause, now: datetime) -> str:
    """'1 d 23 h to start', '5 h 10 min left', 'ended', 'start not fixed'."""
    if not p.is_open:
        return p.status
    seconds = p.seconds_left(now)
    if seconds is None:
        return "start not fixed" if not p.starts_at else "end not known"
    text = duration_words(seconds)
    return f"{text} to start" if p.starts_at and now < p.starts_at else f"{text} left"


def duration_words(seconds: float) -> str:
    """'1 d 23 h', '5 h 10 min', 'under a minute' (time_left and the digest word spans so)."""
    minutes = int(max(0.0, seconds) // 60)
    d, h, m = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = (f"{d} d" if d else "", f"{h} h" if h else "", f"{m} min" if m and not d else "")
    return " ".join(p for p in parts if p) or "under a minute"


def when_label(at: datetime, precision: str | None, zone: str | None, place: str | None) -> str:
    """A start or end as people read it: the place's local time beside UTC, and how sure it
    is. Pure.

        minute  'Sat 20 Aug 06:00 Aleppo time (03:00 UTC)'
        day     'about Sat 20 Aug (Aleppo time), hour not given'
        range   'not confirmed: around Sat 20 Aug 06:00 Aleppo time (03:00 UTC)'
        before  'by Sat 20 Aug 06:00 Aleppo time (03:00 UTC), its first report in effect'

    Without a zone the time is shown in UTC only; without a precision (stored before times
    carried one) as a minute."""
    utc = at.astimezone(UTC)
    where = f"{place} time" if place else "local time"
    if zone:
        try:
            local = at.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            local = None
    else:
        local = None
    if precision == "day":
        day = local or utc
        return f"about {day:%a %d %b %Y} ({where if local else 'UTC'}), hour not given"
    if local is not None and local.utcoffset() != timedelta(0):
        exact = f"{local:%a %d %b %Y %H:%M} {where} ({utc:%H:%M} UTC)"
    else:
        exact = f"{utc:%a %d %b %Y %H:%M} UTC"
    if precision == "before":
        return f"by {exact}, its first report in effect"
    return f"not confirmed: around {exact}" if precision == "range" else exact


def local_iso(at: datetime | None, zone: str | None) -> str | None:
    """`at` in the zone of the pause's place, ISO-8601 with its offset; None without both."""
    if at is None or not zone:
        return None
    try:
        return at.astimezone(ZoneInfo(zone)).isoformat()
    except (ZoneInfoNotFoundError, ValueError):
        return None


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
        "starts_label": when_label(p.starts_at, p.start_precision, p.zone, p.location) if p.starts_at else (f"not fixed ({p.start_text!r})" if p.start_text else "not fixed"),
        "ends_label": when_label(p.ends_at, p.end_precision, p.zone, p.location) if p.ends_at else "not known",
        "start_precision": p.start_precision,
        "end_precision": p.end_precision,
        "zone": p.zone,
        "time_left": time_left(p, now),
        "seconds_left": p.seconds_left(now),
        "actors": [{"name": a.name, "stance": a.stance} for a in p.actors],
        "actors_label": ", ".join(f"{a.name} ({a.stance.replace('_', ' ')})" for a in p.actors) or "none named",
        "sources": list(p.sources),
        "description": describe(p),
    }


def headline(p: Pause, change: Change | ChangeView) -> str:
    kind = p.kind.replace("_", " ")
    length = f"{format_hours(p.duration_hours)} " if p.duration_hours else ""
    place = p.location or "unnamed place"
    verbs = {
        "new": p.status.replace("_", " "),
        "status": p.status.replace("_", " "),
        "times": "times set",
        "retracted": "retracted: no report mentions it any more",
        "starts_soon": "starts within the hour",
        "started": "start time reached",
        "ends_soon": "ends within 6 hours",
        "expired": "expired",
    }
    prefix = "New: " if change.event == "new" else ""
    return one_line(f"{prefix}{length}{kind} in {place} {verbs.get(change.event, change.event)}")


#: The built-in template of each part of a rendered alert.
BUILTIN = {
    "subject": "email_subject.txt.j2",
    "text": "email.txt.j2",
    "html": "email.html.j2",
    "slack": "slack.json.j2",
}
#: The most a user's template may produce; more is an error (and the built-in is used).
OUTPUT_CAP = 256 * 1024


def builtin_templates() -> Path:
    """The folder of the built-in templates: the package tracker.templates (the repository's
    top-level templates/ folder, installed inside the package by the wheel)."""
    return Path(str(importlib.resources.files("tracker.templates")))


def overrides_in(folder: Path | None, names: dict[str, str]) -> dict[str, Path]:
    """{part: file} for the parts whose built-in template `folder` replaces (same file name)."""
    if folder is None:
        return {}
    return {part: folder / name for part, name in names.items() if (folder / name).is_file()}


def _environment(loader: jinja2.BaseLoader, sandboxed: bool) -> jinja2.Environment:
    cls = SandboxedEnvironment if sandboxed else jinja2.Environment
    env = cls(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        keep_trailing_newline=True,
    )
    env.filters["slack"] = slack_escape
    return env


class Renderer:
    """Built once from the built-in templates, a folder of overrides (`[tracker] templates`:
    a file there replaces the built-in of the same name) and a channel's own template files;
    render() is pure. User templates render in Jinja's sandbox with an output cap.

    `overrides` maps a part ("subject", "text", "html", "slack", "webhook") to a user's
    template file; it beats the folder. A user template that fails, or produces too much or
    invalid JSON, is replaced by the built-in one and the failure is returned as a note:
    the alert is never dropped because of it.
    """

    def __init__(self, folder: Path | None = None, overrides: dict[str, Path] | None = None):
        builtin = builtin_templates()
        env = _environment(jinja2.FileSystemLoader(str(builtin)), sandboxed=False)
        try:
            self.templates = {part: env.get_template(name) for part, name in BUILTIN.items()}
        except jinja2.TemplateError as e:
            raise TemplateError(f"template {getattr(e, 'name', '') or ''} in {builtin}: {e}") from e
        self.user: dict[str, jinja2.Template] = {}
        self.user_errors: dict[str, str] = {}
        for part, path in (overrides_in(folder, BUILTIN) | (overrides or {})).items():
            user_env = _environment(jinja2.FileSystemLoader(str(path.parent)), sandboxed=True)
            try:
                self.user[part] = user_env.get_template(path.name)
            except (jinja2.TemplateError, OSError) as e:
                self.user_errors[part] = f"template {path} cannot be used ({e}); the built-in one was used"

    def render(self, pause: Pause, changes: Sequence[ChangeView] | Change, now: datetime) -> Rendered:
        """Render for every channel type (render_noted also returns notes about user templates)."""
        return self.render_noted(pause, changes, now)[0]

    def render_noted(self, pause: Pause, changes: Sequence[ChangeView] | Change, now: datetime) -> tuple[Rendered, list[str]]:
        if isinstance(changes, Change):
            changes = [ChangeView.of(changes)]
        views = list(changes)
        latest = views[-1]
        context = {
            "pause": pause_view(pause, now),
            "change": _change_context(latest),
            "earlier": [_change_context(c) for c in views[:-1]],
            "headline": headline(pause, latest),
            "now": now,
            "now_label": f"{now:%Y-%m-%d %H:%M} UTC",
        }
        notes = list(self.user_errors.values())
        parts: dict[str, object] = {}
        for part in ("subject", "text", "html", "slack", "webhook"):
            if part in self.user:
                try:
                    parts[part] = _parse(part, _capped(self.user[part].render(context)))
                    continue
                except (jinja2.TemplateError, ValueError, TypeError, jinja2.exceptions.SecurityError) as e:
                    notes.append(f"{part} template failed ({type(e).__name__}: {e}); the built-in one was used")
            if part == "webhook":
                parts[part] = webhook_payload(pause, views, now)
                continue
            try:
                parts[part] = _parse(part, self.templates[part].render(context))
            except jinja2.TemplateError as e:
                raise TemplateError(f"template {BUILTIN[part]} failed: {e}") from e
            except ValueError as e:
                raise TemplateError(f"{BUILTIN[part]} did not render valid JSON: {e}") from e
        rendered = Rendered(one_line(str(parts["subject"])), str(parts["text"]), str(parts["html"]), parts["slack"], parts["webhook"])
        return rendered, notes


def _change_context(c: ChangeView) -> dict:
    """A change for templates; only an http(s) link survives (autoescaping does not stop
    a `javascript:` href from a hostile feed)."""
    return {**{f: getattr(c, f) for f in ChangeView.__slots__}, "link": http_link(c.link)}


def _capped(text: str) -> str:
    if len(text) > OUTPUT_CAP:
        raise ValueError(f"output of {len(text)} characters is over the cap of {OUTPUT_CAP}")
    return text


def _parse(part: str, text: str):
    if part in ("slack", "webhook"):
        value = json.loads(text)  # json.JSONDecodeError is a ValueError
        if not isinstance(value, dict):
            raise ValueError(f"the {part} template must render a JSON object")
        return value
    return text


def webhook_payload(p: Pause, changes: Sequence[ChangeView] | Change, now: datetime) -> dict:
    """The generic webhook body, schema version WEBHOOK_SCHEMA_VERSION. Pure.

    `data.change` is the latest change; `data.earlier` the ones grouped with it.
    """
    if isinstance(changes, Change):
        changes = [ChangeView.of(changes)]
    change = changes[-1]
    return {
        "type": f"pause.{change.event}",
        "version": WEBHOOK_SCHEMA_VERSION,
        "timestamp": now.isoformat(),
        "data": {
            "pause": pause_json(p, now),
            "change": _change_json(change),
            "earlier": [_change_json(c) for c in changes[:-1]],
        },
    }


def pause_json(p: Pause, now: datetime) -> dict:
    """A pause as JSON: the webhook's `data.pause`, the digest's and the CLI's. Pure."""
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "id": p.id,
        "kind": p.kind,
        "location": p.location,
        "country": p.country,
        "status": p.status,
        "status_since": iso(p.status_since),
        "duration_hours": p.duration_hours,
        "extended_hours": p.extended_hours,
        "start_text": p.start_text,
        "starts_at": iso(p.starts_at),
        "ends_at": iso(p.ends_at),
        "start_precision": p.start_precision,
        "end_precision": p.end_precision,
        "zone": p.zone,
        "starts_local": local_iso(p.starts_at, p.zone),
        "ends_local": local_iso(p.ends_at, p.zone),
        "seconds_left": p.seconds_left(now),
        "actors": [{"name": a.name, "stance": a.stance} for a in p.actors],
        "sources": list(p.sources),
        "first_seen": iso(p.first_seen),
        "last_seen": iso(p.last_seen),
    }


def _change_json(c: ChangeView) -> dict:
    return {
        "event": c.event,
        "summary": c.summary,
        "old_status": c.old_status,
        "new_status": c.new_status,
        "evidence": None
        if c.quote is None
        else {"quote": c.quote, "source": c.source, "link": c.link, "published": c.published.isoformat() if c.published else None},
    }


def health_alert(feed_name: str, url: str, problem: str, detail: str, now: datetime) -> Rendered:
    """A "source unhealthy" alert for every channel type. Pure. Escaped by hand: these few
    lines are not worth a template of their own."""
    shown = http_link(url) or url
    subject = one_line(f"[pause-tracker] Source unhealthy: {feed_name}: {problem}")
    text = f"Source unhealthy: {feed_name}\n\n{problem}\n{detail}\n\nFeed: {shown}\n\n--\npause-tracker, {now:%Y-%m-%d %H:%M} UTC\n"
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(subject)}</title></head>'
        f'<body style="font-family: Helvetica, Arial, sans-serif; max-width: 640px; margin: 0 auto; padding: 16px;">'
        f"<h2>Source unhealthy: {escape(feed_name)}</h2><p><strong>{escape(problem)}</strong></p><p>{escape(detail)}</p>"
        f'<p style="color: #555;">Feed: {escape(shown)}</p><p style="font-size: 12px; color: #999;">pause-tracker &middot; {now:%Y-%m-%d %H:%M} UTC</p>'
        f"</body></html>"
    )
    slack = {
        "text": slack_escape(f"Source unhealthy: {feed_name}: {problem}"),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(f"*Source unhealthy: {feed_name}*\n{problem}\n{detail}")[:2900]}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(f"Feed: {shown}")[:2900]}]},
        ],
    }
    webhook = {
        "type": "source.unhealthy",
        "version": WEBHOOK_SCHEMA_VERSION,
        "timestamp": now.isoformat(),
        "data": {"feed": {"name": feed_name, "url": shown}, "problem": problem, "detail": detail},
    }
    return Rendered(subject, text, html, slack, webhook)
