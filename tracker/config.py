"""config.toml -> validated, frozen settings.

Every problem is collected and reported together (ConfigError), each naming the key
to fix. Secrets are never read from the file: the file names environment variables.
Reads the file and the environment; does not open the database or the network.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from .errors import ConfigError
from .secrets import mask_url
from .types import KINDS, PAUSE_STATUSES

DEFAULT_USER_AGENT = "pause-tracker/0.1 (+https://github.com/pause-tracker; ceasefire and aid-access monitor)"
CHANNEL_TYPES = ("email", "slack", "webhook", "file")


@dataclass(frozen=True, slots=True)
class FeedSettings:
    url: str  # http(s) URL, or an absolute local path
    name: str
    every_seconds: int
    silent_after_seconds: int = 172800  # no new article for this long: "source unhealthy"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False
    total_timeout: float = 30.0  # wall-clock cap on one fetch, redirects included
    per_host_limit: int = 2  # requests in flight per host
    workers: int = 16  # fetches in flight in all


EVENTS = (
    "new", "status", "times", "starts_soon", "started", "start_unconfirmed", "ends_soon", "ends_very_soon", "expired",
    "source_unhealthy",
)


@dataclass(frozen=True, slots=True)
class ChannelRules:
    """What a channel receives and how: routing filters, mode, grouping and template.

    Empty filters let everything through. `places` match a pause's place or any place
    that contains it (a country, a region), through the gazetteer.
    """

    kinds: frozenset[str] = frozenset()
    places: tuple[str, ...] = ()
    statuses: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    min_sources: int = 1
    mode: str = "immediate"  # or "digest"
    schedule: str | None = None  # cron, for digests ("0 8 * * *")
    timezone: str = "UTC"
    group_wait_seconds: int = 120  # changes of one pause within this window go out as one message
    template: Path | None = None  # the channel's own template (sandboxed; built-in on error)
    text_template: Path | None = None  # email: the plain-text part's own template


@dataclass(frozen=True, slots=True)
class EmailSettings:
    name: str
    smtp_host: str
    smtp_port: int
    sender: str
    to: tuple[str, ...]
    starttls: bool
    username: str | None
    password: str | None
    timeout: float = 20.0
    rules: ChannelRules = ChannelRules()

    def __repr__(self) -> str:
        return (
            f"EmailSettings(name={self.name!r}, smtp={self.smtp_host}:{self.smtp_port}, "
            f"to={list(self.to)!r}, starttls={self.starttls}, password={'***' if self.password else None})"
        )


@dataclass(frozen=True, slots=True)
class SlackSettings:
    name: str
    webhook_url: str
    timeout: float = 10.0
    rules: ChannelRules = ChannelRules()

    def __repr__(self) -> str:
        return f"SlackSettings(name={self.name!r}, webhook_url={mask_url(self.webhook_url)!r})"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    name: str
    url: str
    secret: str | None
    timeout: float = 10.0
    rules: ChannelRules = ChannelRules()

    def __repr__(self) -> str:
        return (
            f"WebhookSettings(name={self.name!r}, url={mask_url(self.url)!r}, "
            f"secret={'***' if self.secret else None})"
        )


@dataclass(frozen=True, slots=True)
class FileSettings:
    name: str
    path: Path
    rules: ChannelRules = ChannelRules()


ChannelSettings = EmailSettings | SlackSettings | WebhookSettings | FileSettings


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path  # the config file
    database: str  # SQLAlchemy URL
    templates: Path
    fetch: FetchSettings
    feeds: tuple[FeedSettings, ...]
    channels: tuple[ChannelSettings, ...]
    poll_check_seconds: int = 10
    deliver_every_seconds: int = 15
    max_attempts: int = 10
    processes: int | None = None  # parse + extract worker processes; None: one per core
    log_format: str = "text"  # "text" for people, "json" (one object per line) for log shippers


_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


def parse_duration(text: str) -> int | None:
    """'15m' -> 900, '1h30m' -> 5400, '2d' -> 172800. None when not a duration. Pure."""
    m = _DURATION.match(text or "")
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def database_url(value: str, base: Path) -> str:
    """A SQLAlchemy URL; a bare or relative SQLite path resolves against `base`.

    'postgresql://' and 'postgres://' use the psycopg 3 driver.
    """
    if "://" not in value:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = base / path
        return f"sqlite:///{path}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite" and rest.startswith("/") and not rest.startswith("//") and rest != "/:memory:":
        # sqlite:///relative.db -> relative to the config file
        rel = rest[1:]
        if rel and not Path(rel).is_absolute():
            return f"sqlite:///{base / rel}"
    return value


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}


class _Problems:
    """Collects problems so that every one is reported at once."""

    def __init__(self, env: dict[str, str]):
        self.items: list[str] = []
        self.env = env

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{key}: {message}")

    def table(self, data: dict, key: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.add(key, "must be a table, like [" + key + "]")
            return {}
        return value

    def get(self, table: dict, where: str, key: str, kind: type | tuple, default=None, required=False):
        if key not in table:
            if required:
                self.add(f"{where}.{key}" if where else key, "is required")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; do not accept true for a port number
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.add(f"{where}.{key}" if where else key, f"must be {names}, not {value!r}")
            return default
        return value

    def secret(self, table: dict, where: str, key: str, required: bool) -> str | None:
        name = self.get(table, where, key, str, required=required)
        if name is None:
            return None
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            self.add(f"{where}.{key}", f"must name an environment variable (like SLACK_WEBHOOK_URL), not {name!r}")
            return None
        value = self.env.get(name)
        if not value:
            self.add(f"{where}.{key}", f"environment variable {name} is not set (export {name}=...)")
            return None
        return value

    def unknown(self, table: dict, where: str, known: set[str]) -> None:
        for key in table:
            if key not in known:
                hint = f" (known keys: {', '.join(sorted(known))})"
                self.add(f"{where}.{key}" if where else key, "is not a known key" + hint)


LOG_FORMATS = ("text", "json")

COMMON_KEYS = {
    "name", "type", "timeout", "kinds", "places", "statuses", "events", "min_sources",
    "mode", "schedule", "timezone", "group_wait", "template",
}


def _rules(p: _Problems, c: dict, where: str, base: Path, ctype: str | None) -> ChannelRules:
    """The routing, mode, grouping and template keys every channel type shares."""

    def names(key: str, allowed: tuple[str, ...]) -> frozenset[str]:
        values = p.get(c, where, key, list, default=[])
        bad = [v for v in values if v not in allowed]
        if bad:
            p.add(f"{where}.{key}", f"unknown value(s) {bad}; use some of: {', '.join(allowed)}")
        return frozenset(v for v in values if v in allowed)

    places = p.get(c, where, "places", list, default=[])
    if any(not isinstance(x, str) or not x.strip() for x in places):
        p.add(f"{where}.places", "must be a list of place names, like [\"Syria\", \"Gaza\"]")
        places = []
    min_sources = p.get(c, where, "min_sources", int, default=1)
    if min_sources < 1:
        p.add(f"{where}.min_sources", "must be at least 1")
    mode = p.get(c, where, "mode", str, default="immediate")
    if mode not in ("immediate", "digest"):
        p.add(f"{where}.mode", f"must be \"immediate\" or \"digest\", not {mode!r}")
    schedule = p.get(c, where, "schedule", str, default=None)
    tz = p.get(c, where, "timezone", str, default="UTC")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        p.add(f"{where}.timezone", f"{tz!r} is not an IANA time zone like \"Europe/Geneva\"")
        zone, tz = ZoneInfo("UTC"), "UTC"
    if mode == "digest" and not schedule:
        p.add(f"{where}.schedule", "a digest channel needs a cron schedule, like \"0 8 * * *\" (08:00 daily)")
    if schedule:
        try:
            CronTrigger.from_crontab(schedule, timezone=zone)
        except ValueError as e:
            p.add(f"{where}.schedule", f"{schedule!r} is not a cron expression (minute hour day month weekday): {e}")
    wait_text = p.get(c, where, "group_wait", str, default="2m")
    wait = parse_duration(wait_text)
    if wait is None and wait_text.strip() not in ("0", "0s"):
        p.add(f"{where}.group_wait", f"must be a duration like \"2m\" or \"0s\", not {wait_text!r}")
    templates = {}
    for key in ("template", "text_template"):
        value = p.get(c, where, key, str, default=None)
        if value is None:
            templates[key] = None
            continue
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            p.add(f"{where}.{key}", f"template file {path} does not exist")
        templates[key] = path
    return ChannelRules(
        kinds=names("kinds", KINDS),
        places=tuple(x.strip() for x in places),
        statuses=names("statuses", PAUSE_STATUSES),
        events=names("events", EVENTS),
        min_sources=max(min_sources, 1),
        mode=mode,
        schedule=schedule,
        timezone=tz,
        group_wait_seconds=wait or 0,
        template=templates["template"],
        text_template=templates["text_template"],
    )


def load(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate a config file. Raises ConfigError listing every problem."""
    env = dict(os.environ) if env is None else env
    cfg_path = Path(path or env.get("TRACKER_CONFIG") or "config.toml").expanduser().resolve()
    try:
        raw = cfg_path.read_bytes()
    except OSError as e:
        raise ConfigError(str(cfg_path), [f"cannot read the config file: {e.strerror or e}"]) from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(str(cfg_path), [f"not valid TOML: {e}"]) from e
    return validate(data, cfg_path, env)


def validate(data: dict, cfg_path: Path, env: dict[str, str]) -> Settings:
    base = cfg_path.parent
    p = _Problems(env)
    p.unknown(data, "", {"tracker", "fetch", "feeds", "channels"})

    tracker = p.table(data, "tracker")
    p.unknown(tracker, "tracker", {"database", "templates", "poll_check", "deliver_every", "max_attempts", "processes", "log_format"})
    db = p.get(tracker, "tracker", "database", str, required=True)
    database = database_url(db, base) if db else ""
    templates = base / p.get(tracker, "tracker", "templates", str, default="templates")
    if not templates.is_dir():
        p.add("tracker.templates", f"folder {templates} does not exist")
    timing = {}
    for key, default in (("poll_check", "10s"), ("deliver_every", "15s")):
        text = p.get(tracker, "tracker", key, str, default=default)
        seconds = parse_duration(text)
        if not seconds:
            p.add(f"tracker.{key}", f"must be a duration like '10s' or '1m', not {text!r}")
        timing[key] = seconds or parse_duration(default)
    processes = p.get(tracker, "tracker", "processes", int, default=None)
    if processes is not None and not 0 <= processes <= 64:
        p.add("tracker.processes", f"must be between 0 (parse in the fetching threads) and 64, not {processes}")
    log_format = p.get(tracker, "tracker", "log_format", str, default="text")
    if log_format not in LOG_FORMATS:
        p.add("tracker.log_format", f"must be \"text\" or \"json\", not {log_format!r}")
    max_attempts = p.get(tracker, "tracker", "max_attempts", int, default=10)
    if max_attempts < 1:
        p.add("tracker.max_attempts", "must be at least 1")

    fetch_t = p.table(data, "fetch")
    p.unknown(fetch_t, "fetch", {"connect_timeout", "read_timeout", "total_timeout", "per_host_limit", "workers", "max_bytes", "user_agent", "allow_private_networks"})
    fetch = FetchSettings(
        connect_timeout=float(p.get(fetch_t, "fetch", "connect_timeout", (int, float), 5.0)),
        read_timeout=float(p.get(fetch_t, "fetch", "read_timeout", (int, float), 20.0)),
        max_bytes=p.get(fetch_t, "fetch", "max_bytes", int, 10 * 1024 * 1024),
        user_agent=p.get(fetch_t, "fetch", "user_agent", str, DEFAULT_USER_AGENT),
        allow_private_networks=p.get(fetch_t, "fetch", "allow_private_networks", bool, False),
        total_timeout=float(p.get(fetch_t, "fetch", "total_timeout", (int, float), 30.0)),
        per_host_limit=p.get(fetch_t, "fetch", "per_host_limit", int, 2),
        workers=p.get(fetch_t, "fetch", "workers", int, 16),
    )
    if fetch.connect_timeout <= 0 or fetch.read_timeout <= 0 or fetch.total_timeout <= 0:
        p.add("fetch", "connect_timeout, read_timeout and total_timeout must be positive numbers of seconds")
    if fetch.connect_timeout > 5:
        p.add("fetch.connect_timeout", f"must be at most 5 seconds (a slow connect is a dead server), not {fetch.connect_timeout:g}")
    if fetch.per_host_limit < 1:
        p.add("fetch.per_host_limit", "must be at least 1")
    if not 1 <= fetch.workers <= 256:
        p.add("fetch.workers", f"must be between 1 and 256, not {fetch.workers}")
    if fetch.max_bytes < 1024:
        p.add("fetch.max_bytes", f"must be at least 1024 bytes, not {fetch.max_bytes}")

    feeds = []
    raw_feeds = data.get("feeds", [])
    if not isinstance(raw_feeds, list) or not raw_feeds:
        p.add("feeds", "add at least one [[feeds]] table with a url")
        raw_feeds = []
    seen_urls: set[str] = set()
    for i, f in enumerate(raw_feeds):
        where = f"feeds[{i}]"
        if not isinstance(f, dict):
            p.add(where, "must be a table: [[feeds]]")
            continue
        p.unknown(f, where, {"url", "name", "every", "silent_after"})
        url = p.get(f, where, "url", str, required=True)
        if url is None:
            continue
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                p.add(f"{where}.url", f"{url!r} has no host")
        elif parts.scheme and len(parts.scheme) > 1:
            p.add(f"{where}.url", f"only http(s) URLs or local file paths are accepted, not {parts.scheme}:")
        else:
            local = Path(url).expanduser()
            local = local if local.is_absolute() else base / local
            if not local.is_file():
                p.add(f"{where}.url", f"local file {local} does not exist")
            url = str(local)
        if url in seen_urls:
            p.add(f"{where}.url", f"{url!r} is listed twice")
        seen_urls.add(url)
        every_text = p.get(f, where, "every", str, default="15m")
        every = parse_duration(every_text)
        if not every or every < 60:
            p.add(f"{where}.every", f"must be a duration of at least one minute like '15m' or '1h', not {every_text!r}")
            every = 900
        silent_text = p.get(f, where, "silent_after", str, default="2d")
        silent = parse_duration(silent_text)
        if not silent or silent < every:
            p.add(f"{where}.silent_after", f"must be a duration at least as long as `every`, like \"2d\", not {silent_text!r}")
            silent = 172800
        name = p.get(f, where, "name", str, default=None) or (urlsplit(url).hostname or Path(url).name)
        feeds.append(FeedSettings(url=url, name=name, every_seconds=every, silent_after_seconds=silent))

    channels: list[ChannelSettings] = []
    raw_channels = data.get("channels", [])
    if not isinstance(raw_channels, list):
        p.add("channels", "must be [[channels]] tables")
        raw_channels = []
    names: set[str] = set()
    for i, c in enumerate(raw_channels):
        where = f"channels[{i}]"
        if not isinstance(c, dict):
            p.add(where, "must be a table: [[channels]]")
            continue
        name = p.get(c, where, "name", str, required=True)
        if name:
            where = f"channels[{i}] ({name})"
            if name in names:
                p.add(f"{where}.name", f"{name!r} is used by another channel")
            names.add(name)
        ctype = p.get(c, where, "type", str, required=True)
        if ctype is not None and ctype not in CHANNEL_TYPES:
            p.add(f"{where}.type", f"must be one of {', '.join(CHANNEL_TYPES)}, not {ctype!r}")
            continue
        timeout = float(p.get(c, where, "timeout", (int, float), 20.0 if ctype == "email" else 10.0))
        rules = _rules(p, c, where, base, ctype)
        if ctype == "email":
            p.unknown(c, where, COMMON_KEYS | {"text_template", "smtp_host", "smtp_port", "from", "to", "starttls", "username_env", "password_env"})
            to = p.get(c, where, "to", list, required=True)
            if to is not None and (not to or any(not isinstance(t, str) or "@" not in t for t in to)):
                p.add(f"{where}.to", "must be a list of email addresses, like [\"desk@example.org\"]")
            sender = p.get(c, where, "from", str, required=True)
            if sender is not None and "@" not in sender:
                p.add(f"{where}.from", f"must be an email address, not {sender!r}")
            port = p.get(c, where, "smtp_port", int, default=25)
            if not 0 < port < 65536:
                p.add(f"{where}.smtp_port", f"must be a port number, not {port}")
            channels.append(
                EmailSettings(
                    name=name or "",
                    smtp_host=p.get(c, where, "smtp_host", str, required=True) or "",
                    smtp_port=port,
                    sender=sender or "",
                    to=tuple(t for t in to or () if isinstance(t, str)),
                    starttls=p.get(c, where, "starttls", bool, default=False),
                    username=p.secret(c, where, "username_env", required=False),
                    password=p.secret(c, where, "password_env", required=False),
                    timeout=timeout,
                    rules=rules,
                )
            )
        elif ctype == "slack":
            p.unknown(c, where, COMMON_KEYS | {"webhook_url_env"})
            url = p.secret(c, where, "webhook_url_env", required=True)
            if url and urlsplit(url).scheme not in ("http", "https"):
                p.add(f"{where}.webhook_url_env", f"the variable must hold an http(s) URL, not {mask_url(url)}")
            channels.append(SlackSettings(name=name or "", webhook_url=url or "", timeout=timeout, rules=rules))
        elif ctype == "webhook":
            p.unknown(c, where, COMMON_KEYS | {"url_env", "secret_env"})
            url = p.secret(c, where, "url_env", required=True)
            if url and urlsplit(url).scheme not in ("http", "https"):
                p.add(f"{where}.url_env", f"the variable must hold an http(s) URL, not {mask_url(url)}")
            channels.append(
                WebhookSettings(
                    name=name or "",
                    url=url or "",
                    secret=p.secret(c, where, "secret_env", required=False),
                    timeout=timeout,
                    rules=rules,
                )
            )
        elif ctype == "file":
            p.unknown(c, where, COMMON_KEYS | {"path"})
            folder = p.get(c, where, "path", str, required=True)
            path = Path(folder).expanduser() if folder else Path("outbox")
            channels.append(FileSettings(name=name or "", path=path if path.is_absolute() else base / path, rules=rules))

    if p.items:
        raise ConfigError(str(cfg_path), p.items)
    return Settings(
        path=cfg_path,
        database=database,
        templates=templates,
        fetch=fetch,
        feeds=tuple(feeds),
        channels=tuple(channels),
        poll_check_seconds=timing["poll_check"],
        deliver_every_seconds=timing["deliver_every"],
        max_attempts=max_attempts,
        processes=processes,
        log_format=log_format,
    )
