"""`tracker`: thin commands over the library. A table for people, --json for scripts.

Each command imports what it uses, inside its body: `tracker --help` loads click and this
module, the reading commands the config and the store (`tracker.app.open_store`), and only
the commands that poll or send build the HTTP session, channels and renderers
(`tracker.app.build`); the extractor's vocabulary is compiled on the first extract
(benchmarks/startup.py measures it).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from . import __version__, logs
from .clock import utcnow
from .errors import ConfigError, TrackerError
from .types import KINDS, Actor, ChangeView, Outgoing, Pause, Silence

if TYPE_CHECKING:
    from .app import App
    from .config import Settings
    from .store.db import Store


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _settings(ctx: click.Context) -> Settings:
    from .config import load

    try:
        settings = load(ctx.obj["config"])
    except ConfigError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(2)
    if ctx.obj["log_format"] is None:  # --log-format wins over the config
        logs.setup(settings.log_format, ctx.obj["verbose"])
    return settings


def _app(ctx: click.Context, upgrade: bool = False, daemon: bool = False) -> App:
    """Everything, for the commands that poll or send (tracker.app.build). `upgrade` for
    commands that write (they migrate the schema to head first); else a database not at
    head is refused with the command to run (see docs/design.md)."""
    from .app import build

    settings = _settings(ctx)
    try:
        return build(settings, utcnow(), upgrade=upgrade, daemon=daemon)
    except TrackerError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(1)


def _store(ctx: click.Context, settings: Settings | None = None, upgrade: bool = False) -> Store:
    """Only the database, for the commands that read or edit it (tracker.app.open_store):
    read-only, unless `upgrade` (the commands that write)."""
    from .app import open_store

    settings = settings or _settings(ctx)
    try:
        return open_store(settings, utcnow(), upgrade=upgrade)[0]
    except TrackerError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(1)


def _bare_store(ctx: click.Context) -> Store:
    """The database alone, nothing checked or synced: for `tracker db`."""
    from .store.db import Store

    try:
        return Store(_settings(ctx).database)
    except TrackerError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(1)


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def _human_left(seconds: float | None, p: Pause, now: datetime) -> str:
    if not p.is_open:
        return "-"
    if seconds is None:
        return "start not fixed" if not p.starts_at else "end not known"
    h = int(seconds // 3600)
    text = f"{h // 24}d {h % 24}h" if h >= 24 else f"{h}h {int(seconds % 3600 // 60)}m"
    return f"{text} to start" if p.starts_at and now < p.starts_at else text


def _board(items: list[Pause], now: datetime) -> str:
    from .lifecycle import format_hours

    rows = [
        [
            str(p.id),
            p.kind.replace("_", " "),
            p.location or "?",
            p.status.replace("_", " "),
            format_hours(p.duration_hours) or "-",
            _cell(p.starts_at, p.start_precision, p.zone),
            _cell(p.ends_at, p.end_precision, p.zone),
            _human_left(p.seconds_left(now), p, now),
            str(len(p.sources)),
        ]
        for p in items
    ]
    return _table(rows, ["ID", "KIND", "PLACE", "STATUS", "DURATION", "STARTS (UTC, local)", "ENDS (UTC, local)", "TIME LEFT", "SOURCES"])


def _cell(at: datetime | None, precision: str | None, zone: str | None) -> str:
    """'2016-08-20 03:00 (06:00 local)'; 'about 2016-08-20' (a day); '~2016-08-20 03:00?'
    (not confirmed); 'by 2016-08-20 03:00' (a bound: it began then or before); '-' when unknown."""
    if at is None:
        return "-"
    if precision == "day":
        return f"about {at:%Y-%m-%d}"
    text = f"{at:%Y-%m-%d %H:%M}"
    if zone:
        from zoneinfo import ZoneInfo

        local = at.astimezone(ZoneInfo(zone))
        if local.utcoffset():
            text += f" ({local:%H:%M} local)"
    if precision == "before":
        return f"by {text}"
    return f"~{text}?" if precision == "range" else text


def _sorted_board(pauses: list[Pause], now: datetime, show_all: bool) -> list[Pause]:
    """Open pauses first, the soonest deadline first; then ended ones when asked for."""
    items = [p for p in pauses if show_all or p.is_open]
    left = lambda p: p.seconds_left(now)  # noqa: E731
    return sorted(items, key=lambda p: (not p.is_open, left(p) is None, left(p) or 0, p.id))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="TRACKER_CONFIG",
    default="config.toml",
    show_default=True,
    help="Config file (also from TRACKER_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more (debug level).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="The log on stderr: text, or json (one object per line). Wins over [tracker] log_format.",
)
@click.version_option(__version__, prog_name="tracker")
@click.pass_context
def main(ctx: click.Context, config_path: str, verbose: bool, log_format: str | None) -> None:
    """Watch news feeds for ceasefires, humanitarian pauses, truces and aid corridors,
    keep one record per pause with a countdown, and send alerts."""
    ctx.ensure_object(dict)
    ctx.obj.update(config=config_path, verbose=verbose, log_format=log_format)
    logs.setup(log_format or "text", verbose)
    # requests' connection pool chatter is noise at info level
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING if not verbose else logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING if not verbose else logging.INFO)


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the config file and report every problem at once. Nothing else is done."""
    from zoneinfo import ZoneInfo

    from . import cron
    from .config import mask_db

    settings = _settings(ctx)
    click.echo(
        f"{settings.path}: OK ({len(settings.feeds)} feed(s), {len(settings.channels)} channel(s), "
        f"database {mask_db(settings.database)})"
    )
    for c in settings.channels:
        if c.rules.schedule:
            zone = ZoneInfo(c.rules.timezone)
            runs = cron.next_runs(cron.trigger(c.rules.schedule, zone), utcnow().astimezone(zone))
            click.echo(f"digest {c.name} ({c.rules.schedule!r}, {c.rules.timezone}): next " + ", ".join(f"{r:%a %Y-%m-%d %H:%M}" for r in runs))


@main.group()
def db() -> None:
    """The database schema: its revision (`db current`) and upgrading it (`db upgrade`).

    `tracker run` and the commands that write upgrade by themselves; commands that only
    read refuse a database that is not up to date. Back the database up before upgrading."""


@db.command(name="current")
@click.option("--json", "as_json", is_flag=True, help="One JSON object for scripts.")
@click.pass_context
def db_current(ctx: click.Context, as_json: bool) -> None:
    """The database's revision, the newest this pause-tracker knows (head), and whether it
    is up to date. Changes nothing."""
    from .config import mask_db

    store = _bare_store(ctx)
    try:
        s = store.schema()
    except TrackerError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(1)
    finally:
        store.close()
    if s.up_to_date:
        status = "up to date"
    elif not s.known:
        status = f"newer than this pause-tracker (knows up to {s.head}): upgrade pause-tracker, or restore a backup"
    else:
        status = "behind: run `tracker db upgrade` (back the database up first)"
    where = mask_db(_settings(ctx).database)
    if as_json:
        click.echo(json.dumps({"database": where, "revision": s.current, "head": s.head, "up_to_date": s.up_to_date, "state": s.describe(), "status": status}, indent=2))
        return
    click.echo(f"database: {where}\nrevision: {s.describe()}\nhead:     {s.head}\nstatus:   {status}")


@db.command(name="upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the tables to head, and say from which revision to which.
    A database made before migrations is stamped as the baseline first."""
    settings = _settings(ctx)
    if settings.state_dir is not None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = _bare_store(ctx)
    try:
        done = store.upgrade()
    except TrackerError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(1)
    finally:
        store.close()
    click.echo(done.line())


@main.command()
@click.option("--once", is_flag=True, help="Run one full cycle (poll every feed, tick, deliver), print what was found, exit.")
@click.option("--json", "as_json", is_flag=True, help="With --once: print one JSON object (feeds, changes, alerts, open pauses) for scripts.")
@click.option("--serve", "serve_too", is_flag=True, help="Also serve the board and the API (as `tracker serve`, on [serve] listen).")
@click.pass_context
def run(ctx: click.Context, once: bool, as_json: bool, serve_too: bool) -> None:
    """Run the daemon (polling, countdown clock, delivery) until SIGTERM or Ctrl-C.

    One daemon per database: a second one is refused while the first renews its lease.
    `--once` beside a running daemon is safe: it polls and ticks, and every alert is
    claimed before it is sent, so none goes out twice.

    Exit status of --once: 0 all well; 1 something in the cycle failed (a feed, or an alert
    that failed or must be retried); 2 a usage or configuration error."""
    from .config import FileSettings
    from .poll import PollSummary

    if serve_too and once:
        raise click.UsageError("--serve goes with the daemon, not --once")
    if not once:
        logging.getLogger("tracker").setLevel(logging.INFO)
        app = _app(ctx, upgrade=True, daemon=True)  # refused while another daemon holds the lease
        if app.upgraded.changed:
            logging.getLogger("tracker.store").info("%s", app.upgraded.line())
        from .daemon import run as run_daemon

        try:
            if serve_too:
                from .web.serve import beside_daemon

                with beside_daemon(app) as on_poll:
                    run_daemon(app, on_poll=on_poll)
            else:
                run_daemon(app)
        except TrackerError as e:  # another process took the lease over
            click.echo(f"error: {e}", err=True)
            ctx.exit(1)
        finally:
            app.close()
        return
    if as_json and not once:
        raise click.UsageError("--json goes with --once")
    logging.getLogger("tracker").setLevel(logging.WARNING)
    app = _app(ctx, upgrade=True)
    if app.upgraded.changed and not as_json:
        click.echo(app.upgraded.line())
    try:
        now = utcnow()
        reports = app.pipeline.poll(now, due_only=False)
        # each step at its own time: a poll can take a while, and alert claims are stamped
        # with the time they are taken (a claim dated back would look expired to a daemon)
        ticked = app.pipeline.tick(utcnow())
        delivered = app.pipeline.deliver(utcnow(), flush=True)
        polled = PollSummary.of(reports)
        changes = [c for r in reports for c in r.changes] + ticked
        failed = bool(polled.failed or delivered.failed or delivered.retrying)
        if as_json:
            open_pauses = _sorted_board(app.store.pauses(open_only=True), now, False)
            click.echo(json.dumps({
                "ok": not failed,
                "database": app.upgraded.line() if app.upgraded.changed else None,
                "feeds": {"polled": polled.feeds, "ok": polled.ok, "not_modified": polled.not_modified, "failed": polled.failed,
                          "errors": [{"feed": r.feed, "error": r.error} for r in reports if r.status == "error"]},
                "articles": polled.articles,
                "changes": [{"pause": c.pause.id, "event": c.change.event, "summary": c.change.summary} for c in changes],
                "alerts": {"sent": delivered.sent, "retrying": delivered.retrying, "failed": delivered.failed,
                           "held": delivered.held, "silenced": delivered.silenced, "errors": delivered.errors},
                "pauses": [_pause_json(p, now) for p in open_pauses],
            }, indent=2, ensure_ascii=False))
            ctx.exit(1 if failed else 0)
        click.echo(
            f"Polled {polled.feeds} feed(s): {polled.ok} ok, {polled.not_modified} not modified, {polled.failed} failed; "
            f"{polled.articles} new or changed article(s)."
        )
        for r in reports:
            if r.status == "error":
                click.echo(f"  feed {r.feed!r} failed: {r.error}")  # the report on stdout, the log on stderr
        if changes:
            click.echo(f"{len(changes)} change(s):")
        for c in changes:
            click.echo(f"  pause #{c.pause.id}: {c.change.summary}")
        if not changes:
            click.echo("No new or changed pauses.")
        click.echo(f"Alerts: {delivered.sent} sent, {delivered.retrying} to retry, {delivered.failed} failed.")
        for err in delivered.errors:
            click.echo(f"  {err}")
        for c in app.settings.channels:
            if isinstance(c, FileSettings):
                click.echo(f"Outbox ({c.name}): {c.path}")
        board = _sorted_board(app.store.pauses(open_only=True), now, False)
        if board:
            click.echo("\nOpen pauses:")
            click.echo(_board(board, now))
            click.echo("\nActors:")
            for p in board:
                actors = ", ".join(f"{a.name} ({a.stance.replace('_', ' ')})" for a in p.actors) or "none named"
                click.echo(f"  #{p.id} {p.location or '?'}: {actors}")
    finally:
        app.close()
    if failed:
        ctx.exit(1)


@main.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Serve the countdown board, the JSON API, the calendar, the Atom feed, health and
    metrics on [serve] listen (127.0.0.1:8080 by default) until SIGTERM or Ctrl-C.
    Read-only: it never writes to the database (`tracker run` keeps it up to date)."""
    from .web.serve import serve as serve_web

    settings = _settings(ctx)
    try:
        serve_web(settings)
    except TrackerError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON array for scripts.")
@click.option("--all", "show_all", is_flag=True, help="Include ended, collapsed, expired and retracted pauses.")
@click.pass_context
def pauses(ctx: click.Context, as_json: bool, show_all: bool) -> None:
    """The countdown board: every pause, its status, place and time left."""
    store = _store(ctx)
    try:
        now = utcnow()
        items = _sorted_board(store.pauses(), now, show_all)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([_pause_json(p, now) for p in items], indent=2))
        return
    if not items:
        click.echo("No pauses yet." if show_all else "No open pauses (--all shows ended ones).")
        return
    click.echo(_board(items, now))


def _pause_json(p: Pause, now: datetime) -> dict:
    """The webhook's pause fields, with `sources` as a count (the board counts sources)."""
    from .alerts.render import pause_json

    return {**pause_json(p, now), "sources": len(p.sources), "source_names": list(p.sources)}


@main.command()
@click.argument("pause_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The pause, its evidence and its changes as JSON.")
@click.pass_context
def show(ctx: click.Context, pause_id: int, as_json: bool) -> None:
    """One pause: its timeline, each piece of evidence with its quote, and why it joined."""
    store = _store(ctx)
    try:
        now = utcnow()
        detail = store.pause(pause_id)
    finally:
        store.close()
    if detail is None:
        raise click.ClickException(f"no pause #{pause_id} (tracker pauses --all lists them)")
    p = detail.pause
    if as_json:
        click.echo(
            json.dumps(
                {
                    **_pause_json(p, now),
                    "evidence": [
                        {
                            "published": _iso(e.published),
                            "source": e.source,
                            "link": e.link,
                            "article_title": title,
                            "why": reason,
                            "mention": e.mention.to_json(),
                        }
                        for e, reason, title in detail.evidence
                    ],
                    "changes": [
                        {
                            "at": _iso(c.at),
                            "event": c.event,
                            "summary": c.summary,
                            "old_status": c.old_status,
                            "new_status": c.new_status,
                            "quote": c.quote,
                            "source": c.source,
                            "link": c.link,
                        }
                        for c in detail.changes
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    from .lifecycle import describe

    click.echo(f"Pause #{p.id}: {describe(p)}")
    from .alerts.render import when_label

    if p.starts_at:
        click.echo(f"  starts: {when_label(p.starts_at, p.start_precision, p.zone, p.location)}")
    if p.ends_at:
        click.echo(f"  ends: {when_label(p.ends_at, p.end_precision, p.zone, p.location)}")
    click.echo(f"  time left: {_human_left(p.seconds_left(now), p, now)}")
    click.echo(f"  actors: {', '.join(f'{a.name} ({a.stance.replace(chr(95), chr(32))})' for a in p.actors) or 'none named'}")
    click.echo(f"  {len(p.sources)} independent source(s): {', '.join(p.sources)}; first report {p.first_seen:%Y-%m-%d %H:%M}, latest {p.last_seen:%Y-%m-%d %H:%M} UTC")
    click.echo("\nTimeline:")
    for c in detail.changes:
        click.echo(f"  {c.at:%Y-%m-%d %H:%M}  {c.event:<17} {c.summary}")
        if c.quote:
            click.echo(f"{'':21}\"{c.quote}\" ({c.source})")
    click.echo("\nEvidence:")
    for e, reason, title in detail.evidence:
        m = e.mention
        click.echo(f"  {e.published:%Y-%m-%d %H:%M}  {e.source}: {m.kind.replace('_', ' ')}, {m.status.replace('_', ' ')}  [{title}]")
        click.echo(f"{'':19}\"{m.quote}\"")
        click.echo(f"{'':19}why this pause: {reason}")


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array for scripts.")
@click.option("--all", "show_all", is_flag=True, help="Include disabled feeds.")
@click.pass_context
def feeds(ctx: click.Context, as_json: bool, show_all: bool) -> None:
    """The feeds: health, last status, last error and number of articles stored.

    `tracker feeds import FILE.opml` adds feeds; `tracker feeds export` writes OPML."""
    if ctx.invoked_subcommand is not None:
        return
    from .feeds.health import feed_health, feed_json

    store = _store(ctx)
    try:
        now = utcnow()
        items = store.feeds(include_disabled=show_all)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([feed_json(f, now) for f in items], indent=2))
        return
    rows = [
        [
            f.name,
            f.effective_url if len(f.effective_url) < 50 else "…" + f.effective_url[-49:],
            feed_health(f, now),
            f.last_status or "-",
            (f.last_error or "")[:50],
            str(f.articles),
        ]
        for f in items
    ]
    click.echo(_table(rows, ["NAME", "URL", "HEALTH", "LAST STATUS", "LAST ERROR", "ARTICLES"]) if rows else "No feeds.")


@feeds.command(name="import")
@click.argument("source", type=click.File("rb"))
@click.option("--every", default="15m", show_default=True, help="Poll interval for the imported feeds.")
@click.pass_context
def feeds_import(ctx: click.Context, source, every: str) -> None:
    """Add the feeds of an OPML file (FILE or - for stdin). Feeds already there are kept."""
    from .config import parse_duration
    from .feeds.opml import parse_opml

    seconds = parse_duration(every)
    if not seconds or seconds < 60:
        raise click.BadParameter(f"{every!r} is not a duration of at least a minute, like 15m", param_hint="--every")
    try:
        found = parse_opml(source.read())
    except TrackerError as e:
        raise click.ClickException(str(e)) from e
    store = _store(ctx, upgrade=True)
    try:
        added = store.import_feeds(found, seconds, utcnow())
    finally:
        store.close()
    click.echo(f"{len(found)} feed(s) in the file; {added} added, {len(found) - added} already there.")


@feeds.command(name="export")
@click.pass_context
def feeds_export(ctx: click.Context) -> None:
    """Write the enabled feeds as OPML to stdout."""
    from .feeds.opml import to_opml

    store = _store(ctx)
    try:
        items = store.feeds()
    finally:
        store.close()
    click.echo(to_opml([(f.effective_url, f.name) for f in items]).decode("utf-8"), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON array for scripts.")
@click.option("--limit", default=50, show_default=True, help="How many of the newest alerts.")
@click.pass_context
def alerts(ctx: click.Context, as_json: bool, limit: int) -> None:
    """The outbox: pending, sent and failed alerts with attempts and last error."""
    store = _store(ctx)
    try:
        items = store.alerts(limit)
    finally:
        store.close()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "key": a.key,
                        "kind": a.kind,
                        "pause_id": a.pause_id,
                        "channel": a.channel,
                        "status": a.status,
                        "attempts": a.attempts,
                        "changes": a.changes,
                        "next_try_at": _iso(a.next_try_at),
                        "created_at": _iso(a.created_at),
                        "sent_at": _iso(a.sent_at),
                        "last_error": a.last_error,
                        "note": a.note,
                        "summary": a.summary,
                    }
                    for a in items
                ],
                indent=2,
            )
        )
        return
    rows = [
        [str(a.id), a.channel, a.status, str(a.attempts), a.summary[:60], (a.last_error or a.note or "")[:50]]
        for a in items
    ]
    click.echo(_table(rows, ["ID", "CHANNEL", "STATUS", "ATTEMPTS", "WHAT", "LAST ERROR / NOTE"]) if rows else "The outbox is empty.")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON array for scripts.")
@click.pass_context
def workers(ctx: click.Context, as_json: bool) -> None:
    """The workers sharing this database: heartbeats and what each holds (feeds it is polling,
    alerts it is sending, jobs it is running), then any process holding claims without
    registering (`run --once`)."""
    from .store.coordination import Coordination

    store = _store(ctx)
    try:
        now = utcnow()
        items = Coordination(store).workers(now)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([w.to_json(now) for w in items], indent=2))
        return
    rows = [
        [
            w.id,
            str(w.pid or "-"),
            f"{int((now - w.heartbeat_at).total_seconds())} s ago" if w.heartbeat_at else "-",
            ("alive" if w.alive(now) else "lease ran out") if w.registered else "not registered",
            str(w.feeds),
            str(w.alerts),
            ", ".join(w.jobs) or "-",
        ]
        for w in items
    ]
    click.echo(_table(rows, ["WORKER", "PID", "HEARTBEAT", "STATE", "FEEDS", "ALERTS", "JOBS"]) if rows else "No workers.")


@main.group()
def silence() -> None:
    """Hold back alerts for a place (and optionally a kind or channel) for a while."""


@silence.command(name="add")
@click.option("--place", help="A city, region or country; matches pauses in it.")
@click.option("--kind", type=click.Choice(KINDS), help="Only pauses of this kind.")
@click.option("--channel", "channel_name", help="Only this channel.")
@click.option("--for", "duration", required=True, help="How long, e.g. 30m, 24h, 7d.")
@click.option("--reason", required=True, help="Why; shown on every alert it holds back.")
@click.pass_context
def silence_add(ctx: click.Context, place: str | None, kind: str | None, channel_name: str | None, duration: str, reason: str) -> None:
    """Add a silence; it expires by itself."""
    from .config import parse_duration

    seconds = parse_duration(duration)
    if not seconds:
        raise click.BadParameter(f"{duration!r} is not a duration like 30m, 24h or 7d", param_hint="--for")
    if not (place or kind or channel_name):
        raise click.UsageError("say what to silence: --place, --kind and/or --channel")
    settings = _settings(ctx)
    if channel_name and channel_name not in {c.name for c in settings.channels}:
        raise click.BadParameter(f"no channel {channel_name!r} in the config", param_hint="--channel")
    store = _store(ctx, settings, upgrade=True)
    try:
        now = utcnow()
        sid = store.add_silence(Silence(None, now + timedelta(seconds=seconds), reason, now, place, kind, channel_name))
    finally:
        store.close()
    click.echo(f"Silence #{sid} added until {now + timedelta(seconds=seconds):%Y-%m-%d %H:%M} UTC.")


@silence.command(name="list")
@click.option("--all", "show_all", is_flag=True, help="Include expired silences.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array for scripts.")
@click.pass_context
def silence_list(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """List the active silences (--all: expired ones too)."""
    store = _store(ctx)
    try:
        now = utcnow()
        items = store.silences(None if show_all else now)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([
            {"id": x.id, "place": x.place, "kind": x.kind, "channel": x.channel, "until": _iso(x.until),
             "reason": x.reason, "created_at": _iso(x.created_at), "active": x.active(now)}
            for x in items
        ], indent=2))
        return
    rows = [[str(x.id), x.place or "*", x.kind or "*", x.channel or "*", f"{x.until:%Y-%m-%d %H:%M}", "yes" if x.active(now) else "no", x.reason[:50]] for x in items]
    click.echo(_table(rows, ["ID", "PLACE", "KIND", "CHANNEL", "UNTIL (UTC)", "ACTIVE", "REASON"]) if rows else "No silences.")


@silence.command(name="remove")
@click.argument("silence_id", type=int)
@click.pass_context
def silence_remove(ctx: click.Context, silence_id: int) -> None:
    """Remove a silence now."""
    store = _store(ctx, upgrade=True)
    try:
        removed = store.remove_silence(silence_id)
    finally:
        store.close()
    if not removed:
        raise click.ClickException(f"no silence #{silence_id}")
    click.echo(f"Silence #{silence_id} removed.")


@main.command()
@click.option("--channel", "channel_name", help="Only this channel (default: every digest channel).")
@click.option("--dry-run", is_flag=True, help="Print the digest's text; send and record nothing.")
@click.pass_context
def digest(ctx: click.Context, channel_name: str | None, dry_run: bool) -> None:
    """Render a digest now: print it (--dry-run) or send it to the digest channels.

    Exit status: 0 sent (or printed); 1 a message failed or must be retried; 2 a usage or
    configuration error."""
    app = _app(ctx, upgrade=not dry_run)
    try:
        now = utcnow()
        digest_channels = [c.name for c in app.settings.channels if c.rules.mode == "digest"]
        names = [channel_name] if channel_name else digest_channels
        if channel_name and channel_name not in app.channels:
            raise click.BadParameter(f"no channel {channel_name!r} in the config", param_hint="--channel")
        if not names:
            raise click.UsageError("no channel has mode = \"digest\"; name one with --channel")
        for name in names:
            d = app.pipeline.digest(name, now, queue=not dry_run)
            if dry_run:
                click.echo(f"== {name}: {d.subject}\n")
                click.echo(d.text)
        if not dry_run:
            report = app.pipeline.deliver(now)
            click.echo(f"Digest(s) for {', '.join(names)}: {report.sent} message(s) sent, {report.retrying} to retry, {report.failed} failed.")
            for err in report.errors:
                click.echo(f"  {err}")
    finally:
        app.close()
    if not dry_run and (report.failed or report.retrying):
        ctx.exit(1)


@main.command(name="test-alert")
@click.option("--channel", "channel_name", required=True, help="The channel to try.")
@click.pass_context
def test_alert(ctx: click.Context, channel_name: str) -> None:
    """Send a made-up alert through one channel now, and say what happened. Not recorded."""
    app = _app(ctx)
    try:
        if channel_name not in app.channels:
            raise click.BadParameter(f"no channel {channel_name!r} in the config", param_hint="--channel")
        now = utcnow()
        pause = Pause(
            None, "ceasefire", "Testville", "Nowhere", "proposed", 48.0, "tomorrow", None, None,
            (Actor("pause-tracker", "proposed"),), now, now, ("pause-tracker",),
        )
        change = ChangeView("new", "test alert from pause-tracker: if you read this, the channel works")
        rendered, notes = app.pipeline.outlets[channel_name].renderer.render_noted(pause, [change], now)
        msg = Outgoing(f"test/{channel_name}/{now.isoformat()}", channel_name, rendered, now)
        result = app.channels[channel_name].send(msg, now)
    finally:
        app.close()
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if result.ok:
        click.echo(f"{channel_name}: delivered" + (f" ({result.error})" if result.error else ""))
    else:
        click.echo(f"{channel_name}: FAILED: {result.error}", err=True)
        raise SystemExit(1)


def _parse_published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 time like 2016-08-18T12:00:00Z") from e
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--published", help="Publication time (ISO-8601) to resolve 'tomorrow', 'on Friday' ...")
@click.option("--json", "as_json", is_flag=True, help="Print the mentions as a JSON array.")
@click.option("--jsonl", "jsonl", is_flag=True, help='Read lines {"id", "text", "published"?}; write {"id", "mentions"} per line.')
def extract(source, published: str | None, as_json: bool, jsonl: bool) -> None:
    """Run the extractor on one text (FILE or - for stdin). Needs no config."""
    from .extract import extract as extract_mentions
    from .lifecycle import format_hours

    if jsonl:
        for n, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                pub = _parse_published(row.get("published") or published)
                mentions = extract_mentions(row["text"], pub)
            except (json.JSONDecodeError, KeyError, TypeError, click.BadParameter) as e:
                raise click.ClickException(f"line {n}: expected {{\"id\", \"text\", \"published\"?}}: {e}") from e
            click.echo(json.dumps({"id": row.get("id"), "mentions": [m.to_json() for m in mentions]}, ensure_ascii=False))
        return
    mentions = extract_mentions(source.read(), _parse_published(published))
    if as_json:
        click.echo(json.dumps([m.to_json() for m in mentions], indent=2, ensure_ascii=False))
        return
    if not mentions:
        click.echo("No pause mentions found.")
    for m in mentions:
        actors = ", ".join(f"{a.name} ({a.stance.replace('_', ' ')})" for a in m.actors) or "-"
        click.echo(
            f"{m.kind.replace('_', ' ')} | {m.status.replace('_', ' ')} | "
            f"{format_hours(m.duration_hours) or 'no duration'} | {m.location or '?'}"
            f"{' (' + m.country + ')' if m.country and m.country != m.location else ''} | actors: {actors}"
            f"{' | start: ' + m.start_text if m.start_text else ''} | confidence {m.confidence:.2f}"
        )
        for side, at, span, precision, zone in (
            ("starts", m.starts_at, m.start_range, m.start_precision, m.start_zone),
            ("ends", m.ends_at, m.end_range, m.end_precision, m.end_zone),
        ):
            if at or span:
                when = f"{at:%Y-%m-%d %H:%M} UTC" if at else "not known"
                if span and precision == "range":
                    when += f" (somewhere in {span[0]:%Y-%m-%d %H:%M} .. {span[1]:%Y-%m-%d %H:%M} UTC)"
                click.echo(f"    {side}: {when}; precision {precision}, zone {zone}")
        for note in m.time_notes:
            click.echo(f"    note: {note}")
        click.echo(f"    \"{m.quote}\"")


@main.command(name="eval")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@click.option("--json", "as_json", is_flag=True, help="Print the figures and misses as JSON.")
@click.option("--check", is_flag=True, help="Exit 1 when a figure is below its floor (for CI).")
@click.option("--summary", is_flag=True, help="The figures only, no misses (for a held-out set you must not read).")
def eval_(source, as_json: bool, check: bool, summary: bool) -> None:
    """Score the extractor on labelled passages (JSON lines, the dev_passages.jsonl format)."""
    from .extract.evaluate import below_floors, evaluate, floors_for

    rows = []
    for n, line in enumerate(source, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise click.ClickException(f"line {n}: not JSON: {e}") from e
    result = evaluate(rows)
    floors = floors_for(getattr(source, "name", None))
    failing = below_floors(result, floors)
    if as_json:
        click.echo(json.dumps({**result, "floors": floors, "below_floors": failing}, indent=2, ensure_ascii=False))
    else:
        click.echo(
            f"{result['passages']} passages: precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
            f"F1 {result['f1']:.3f} (tp {result['tp']}, fp {result['fp']}, fn {result['fn']}, tn {result['tn']})"
        )
        click.echo(
            "On true positives: "
            + ", ".join(f"{k} {result[k]:.3f}" for k in ("status", "duration", "place", "kind_family", "kind"))
        )
        for title, part in (("Times", result), ("Times, undated passages (not floored)", result["undated"])):
            labels = part["time_labels"]
            if labels["starts_at"] or labels["ends_at"]:
                click.echo(
                    f"{title} ({labels['starts_at']} starts, {labels['ends_at']} ends labelled): "
                    + ", ".join(f"{k} {part[k]:.3f}" for k in ("start_exact", "start_day", "end", "confidently_wrong") if part[k] is not None)
                )
            elif part is result:
                click.echo("Times: no dated passage has starts_at / ends_at labels")
        for miss in () if summary else result["misses"]:
            what = "; ".join(f"{k}: expected {v['expected']!r}, got {v['got']!r}" for k, v in miss["differs"].items())
            click.echo(f"  {miss['id']}: {what}")
        click.echo("Floors: " + ("all met" if not failing else "BELOW: " + "; ".join(failing)))
    if check and failing:
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
