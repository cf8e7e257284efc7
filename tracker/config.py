"""config.toml -> validated, frozen settings.

Every problem is collected and reported together (ConfigError), each naming the key
to fix. Secrets are never read from the file: the file names environment variables.
Reads the file and the environment; does not open the database or the network.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from . import cron
from .errors import ConfigError
from .secrets import mask_url, signing_key
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
    proxy: str | None = None  # one proxy for http and https feeds, over HTTPS_PROXY/HTTP_PROXY; NO_PROXY applies


EVENTS = (
    "new", "status", "times", "retracted", "starts_soon", "started", "start_unconfirmed", "ends_soon", "ends_very_soon", "expired",
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
class ServeSettings:
    """`tracker serve` / `run --serve`: where to listen, and the bearer tokens (none: open)."""

    host: str = "127.0.0.1"
    port: int = 8080
    tokens: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path  # the config file
    database: str  # SQLAlchemy URL
    templates: Path | None  # a folder of template overrides; None: the built-in templates only
    fetch: FetchSettings
    feeds: tuple[FeedSettings, ...]
    channels: tuple[ChannelSettings, ...]
    poll_check_seconds: int = 10
    deliver_every_seconds: int = 15
    lease_seconds: int = 60  # the daemon lease, renewed every sixth of it; an alert's claim lasts this beyond its channel's timeout
    max_attempts: int = 10
    processes: int | None = None  # parse + extract worker processes; None: one per core
    state_dir: Path | None = None  # where the SQLite database and file outboxes live
    log_format: str = "text"  # "text" for people, "json" (one object per line) for log shippers
    serve: ServeSettings = ServeSettings()

    def __repr__(self) -> str:
        return f"Settings(path={str(self.path)!r}, database={mask_db(self.database)!r}, feeds={len(self.feeds)}, channels={len(self.channels)})"


_DURATION = re.compile(r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


def parse_duration(text: str) -> int | None:
    """'15m' -> 900, '1h30m' -> 5400, '2d' -> 172800, '1w' -> 604800. None when not a duration. Pure."""
    m = _DURATION.match(text or "")
    if not m or not any(m.groups()):
        return None
    w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return (((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s


def mask_db(url: str) -> str:
    """A database URL with its password hidden, for messages and logs. Pure."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


def database_url(value: str, base: Path, password: str | None = None) -> str:
    """A SQLAlchemy URL; a bare or relative SQLite path resolves against `base` (the state
    folder). 'postgresql://' and 'postgres://' use the psycopg 3 driver; `password` (from
    database_password_env/_file) is put into the URL, escaped."""
    if "://" not in value:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = base / path
        return f"sqlite:///{path}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        url = f"postgresql+psycopg://{rest}"
        if password:
            from sqlalchemy.engine import make_url  # only when a password is configured

            url = make_url(url).set(password=password).render_as_string(hide_password=False)
        return url
    if scheme == "sqlite" and rest.startswith("/") and not rest.startswith("//") and rest != "/:memory:":
        # sqlite:///relative.db -> relative to the state folder
        rel = rest[1:]
        if rel and not Path(rel).is_absolute():
            return f"sqlite:///{base / rel}"
    return value


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}

#: A key that must be given.
REQUIRED = object()


@dataclass(frozen=True, slots=True)
class Key:
    """One config key: its type, default and meaning. The validator takes every key's type,
    default and the set of known keys from these tables, and docs/config.md is generated
    from them (`reference()`), so the two cannot drift."""

    name: str
    kind: type | tuple[type, ...]
    default: object
    doc: str
    shown: str | None = None  # the default as the reference shows it, when not the value itself


def _k(name: str, kind: type | tuple[type, ...], default: object, doc: str, shown: str | None = None) -> Key:
    return Key(name, kind, default, doc, shown)


def _secret(name: str, what: str, required: bool = False) -> tuple[Key, Key]:
    """A secret comes from an environment variable (`NAME_env`) or a file (`NAME_file`)."""
    need = "one of the two is required" if required else "optional"
    return (
        _k(f"{name}_env", str, None, f"the environment variable holding {what} ({need}; or `{name}_file`)"),
        _k(f"{name}_file", str, None, f"a file holding {what}, e.g. a systemd credential `${{CREDENTIALS_DIRECTORY}}/{name}` or a Docker/Kubernetes secret (trailing newline ignored)"),
    )


#: Every key of every table, in the order docs/config.md lists them.
SCHEMA: dict[str, tuple[Key, ...]] = {
    "tracker": (
        _k("state_dir", str, None, "folder for the SQLite database and `file` channel outboxes given as relative paths; created if missing",
           "`$STATE_DIRECTORY` when systemd sets it, else the config file's folder"),
        _k("database", str, "tracker.db", "a SQLite file (relative to `state_dir`) or a URL: `postgresql://user@host/db` (needs `pip install 'pause-tracker[postgres]'`)"),
        *_secret("database_password", "the PostgreSQL password (libpq's `PGPASSWORD` works too)"),
        _k("templates", str, None, "a folder of template overrides: a file there replaces the built-in template of the same name (`email.html.j2`, `slack.json.j2`, `digest.txt.j2`, ...); rendered in Jinja's sandbox, the built-in one is used if it fails",
           "none (the built-in templates)"),
        _k("poll_check", str, "10s", "how often the daemon looks for feeds that are due (a duration)"),
        _k("deliver_every", str, "15s", "how often it sends due alerts from the outbox (a duration)"),
        _k("lease", str, "60s", "a second `tracker run` daemon on the same database is refused while the first renews its lease (every sixth of this); a daemon killed without stopping is taken over once its lease runs out. An alert being sent is claimed for this long beyond its channel's timeout, then is due again if its sender died (a duration, at least 3s)"),
        _k("max_attempts", int, 10, "a failing alert is retried with backoff this many times in all, then marked failed"),
        _k("processes", int, None, "parse + extract worker processes; 0 parses in the fetching threads", "one per core"),
        _k("log_format", str, "text", "`text` for people, or `json`: one object per line on stderr (time, level, event, feed/channel/pause ids) for journald and log shippers; `--log-format` wins"),
    ),
    "fetch": (
        _k("connect_timeout", (int, float), 5.0, "seconds to connect (at most 5)"),
        _k("read_timeout", (int, float), 20.0, "seconds without a byte before a fetch fails"),
        _k("total_timeout", (int, float), 30.0, "wall-clock cap in seconds on one fetch, redirects included"),
        _k("per_host_limit", int, 2, "requests in flight to one host"),
        _k("workers", int, 16, "requests in flight in all (1 to 256)"),
        _k("max_bytes", int, 10 * 1024 * 1024, "cap on a feed's decoded body, in bytes"),
        _k("user_agent", str, DEFAULT_USER_AGENT, "the User-Agent header sent to publishers", "`pause-tracker/0.1 (+...)`"),
        _k("allow_private_networks", bool, False, "true lets feeds live on loopback and private addresses (the address guard refuses them otherwise)"),
        _k("proxy", str, None, "one proxy for http and https feeds (`http://proxy.example.org:3128`), over `HTTPS_PROXY`/`HTTP_PROXY`; `NO_PROXY` still applies; no credentials here (put them in the environment's variables)",
           "`HTTPS_PROXY` / `HTTP_PROXY` from the environment"),
    ),
    "feeds": (
        _k("url", str, REQUIRED, "an http(s) URL, or a local file (relative to the config file)"),
        _k("name", str, None, "shown in alerts and `tracker feeds`", "the URL's host"),
        _k("every", str, "15m", "poll interval (a duration, at least 1m)"),
        _k("silent_after", str, "2d", "no new article for this long raises \"source unhealthy\" (a duration, at least `every`)"),
    ),
    "serve": (
        _k("listen", str, "127.0.0.1:8080", "where `tracker serve` and `tracker run --serve` listen: `host:port` (`[::1]:8080` for IPv6); "
           "keep the loopback default unless bearer tokens are set or a proxy in front checks who is asking"),
        *_secret("tokens", "bearer tokens for the board and the API (one per line, or separated by commas or spaces); "
                 "every page but `/healthz` then needs `Authorization: Bearer TOKEN` (or Basic auth with the token as password)"),
    ),
    "channels": (
        _k("name", str, REQUIRED, "the channel's name, unique"),
        _k("type", str, REQUIRED, "`email`, `slack`, `webhook` or `file`"),
        _k("kinds", list, [], "only these kinds: " + ", ".join(f"`{k}`" for k in KINDS), "all"),
        _k("places", list, [], "only pauses in these places: a city, a region or a country (`[\"Syria\"]` takes Aleppo too)", "all"),
        _k("statuses", list, [], "only pauses with these statuses: " + ", ".join(f"`{s}`" for s in PAUSE_STATUSES), "all"),
        _k("events", list, [], "only these changes: " + ", ".join(f"`{e}`" for e in EVENTS), "all"),
        _k("min_sources", int, 1, "only pauses reported by at least this many independent sources"),
        _k("mode", str, "immediate", "`immediate`, or `digest` for a scheduled summary instead"),
        _k("schedule", str, None, "a digest's cron line, as standard cron reads it (`\"0 8 * * 1-5\"`: 08:00 Monday to Friday; 0 and 7 are Sunday; `@daily`, `@weekly` ...); `tracker check` prints its next runs", "none"),
        _k("timezone", str, "UTC", "the IANA time zone of `schedule` and of the digest's times"),
        _k("group_wait", str, "2m", "changes of one pause within this window go out as one message (a duration; `0s` for none)"),
        _k("template", str, None, "your own Jinja2 template file: the HTML part (email, file), the Block Kit JSON (slack) or the JSON body (webhook); sandboxed, the built-in one is used if it fails", "built-in"),
    ),
    "channels (email)": (
        _k("smtp_host", str, REQUIRED, "the SMTP server"),
        _k("smtp_port", int, 25, "its port"),
        _k("starttls", bool, False, "upgrade the connection with STARTTLS"),
        _k("from", str, REQUIRED, "the From address"),
        _k("to", list, REQUIRED, "a list of recipient addresses"),
        *_secret("username", "the SMTP user name"),
        *_secret("password", "the SMTP password"),
        _k("text_template", str, None, "your own template for the plain-text part", "built-in"),
        _k("timeout", (int, float), 20.0, "seconds for the SMTP conversation"),
    ),
    "channels (slack)": (
        *_secret("webhook_url", "the Slack incoming-webhook URL", required=True),
        _k("timeout", (int, float), 10.0, "seconds for the POST"),
    ),
    "channels (webhook)": (
        *_secret("url", "the URL the JSON body is POSTed to", required=True),
        *_secret("secret", "the signing secret: `whsec_<base64>` (Standard Webhooks) or any other string, used as raw bytes"),
        _k("timeout", (int, float), 10.0, "seconds for the POST"),
    ),
    "channels (file)": (
        _k("path", str, REQUIRED, "folder the rendered alerts are written into (relative to `state_dir`)"),
    ),
}


def reference() -> str:
    """docs/config.md: every key with its type, default and meaning, from SCHEMA. Pure."""
    kinds = lambda k: " or ".join({str: "string", int: "integer", float: "number", bool: "boolean", list: "list"}[t] for t in (k.kind if isinstance(k.kind, tuple) else (k.kind,)))  # noqa: E731
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from tracker/config.py (SCHEMA) by `python -m tracker.config > docs/config.md`; a test fails when they differ. -->",
        "",
        "The config file is `--config PATH`, else `$TRACKER_CONFIG`, else `./config.toml`. `tracker check` validates it",
        "and lists every problem at once. Durations are written like `90s`, `15m`, `1h30m`, `2d` or `1w`.",
        "Secrets never go in the file: each `*_env` key names an environment variable and each `*_file` key a file",
        "(set one of the two); `${NAME}` in a `*_file` path is replaced from the environment.",
        "",
    ]
    titles = {"tracker": "[tracker]", "fetch": "[fetch]", "serve": "[serve]", "feeds": "[[feeds]] (one table per feed)", "channels": "[[channels]] (every type)"}
    for section, keys in SCHEMA.items():
        title = titles.get(section) or f"[[channels]] with type = \"{section.split('(')[1].rstrip(')')}\""
        lines += [f"## {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for k in keys:
            if k.shown is not None:
                default = k.shown
            elif k.default is REQUIRED:
                default = "required"
            elif k.default is None:
                default = "none"
            elif isinstance(k.default, bool):
                default = f"`{str(k.default).lower()}`"
            elif isinstance(k.default, str):
                default = f"`\"{k.default}\"`"
            elif isinstance(k.default, float) and k.default.is_integer():
                default = f"`{int(k.default)}`"
            else:
                default = f"`{k.default}`"
            lines.append(f"| `{k.name}` | {kinds(k)} | {default} | {k.doc} |")
        lines.append("")
    return "\n".join(lines)


def proxy_url(value: str) -> str:
    """A proxy URL with its scheme: "proxy:3128" means http://proxy:3128, as in requests. Pure."""
    value = value.strip()
    return value if "://" in value else f"http://{value}"


def proxy_problem(value: str, credentials: bool) -> str | None:
    """What is wrong with a proxy URL, or None. `credentials`: may it carry user:password@
    (yes in the environment; not in config.toml, which holds no secrets). Pure."""
    try:
        parts = urlsplit(proxy_url(value))
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"not a valid proxy URL ({e}), expected like http://proxy.example.org:3128"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http:// and https:// proxies are supported, not {parts.scheme}://"
    if not parts.hostname:
        return "the proxy URL has no host, expected like http://proxy.example.org:3128"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "a proxy URL is scheme://host:port, without a path or query"
    if (parts.username or parts.password) and not credentials:
        return "proxy credentials are a secret and do not belong in config.toml: set HTTPS_PROXY and HTTP_PROXY (with user:password@) in the environment instead and leave [fetch] proxy unset"
    return None


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

    def take(self, table: dict, where: str, *sections: str) -> dict:
        """The values of the sections' keys in `table`, type-checked, defaults filled in;
        unknown keys and missing required ones are problems."""
        keys = [k for s in sections for k in SCHEMA[s]]
        known = {k.name for k in keys}
        for name in table:
            if name not in known:
                self.add(f"{where}.{name}" if where else name, f"is not a known key (known keys: {', '.join(sorted(known))})")
        return {k.name: self._value(table, where, k) for k in keys}

    def _value(self, table: dict, where: str, k: Key):
        at = f"{where}.{k.name}" if where else k.name
        if k.name not in table:
            if k.default is REQUIRED:
                self.add(at, "is required")
                return None
            return list(k.default) if isinstance(k.default, list) else k.default
        value = table[k.name]
        kinds = k.kind if isinstance(k.kind, tuple) else (k.kind,)
        # bool is an int in Python; do not accept true for a port number
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in kinds)
            self.add(at, f"must be {names}, not {value!r}")
            return None if k.default is REQUIRED else k.default
        return value

    def secret(self, values: dict, where: str, name: str, required: bool) -> str | None:
        """The secret `name` from `name_env` (an environment variable) or `name_file` (a file)."""
        var, file = values.get(f"{name}_env"), values.get(f"{name}_file")
        if var is not None and file is not None:
            self.add(f"{where}.{name}_env", f"set {name}_env or {name}_file, not both")
            return None
        if var is not None:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
                self.add(f"{where}.{name}_env", f"must name an environment variable (like SLACK_WEBHOOK_URL), not {var!r}")
                return None
            value = self.env.get(var)
            if not value:
                self.add(f"{where}.{name}_env", f"environment variable {var} is not set (export {var}=...)")
                return None
            return value
        if file is not None:
            path = Path(_expand(file, self.env)).expanduser()
            try:
                value = path.read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as e:
                self.add(f"{where}.{name}_file", f"cannot read {path}: {getattr(e, 'strerror', None) or e}")
                return None
            if not value:
                self.add(f"{where}.{name}_file", f"{path} is empty")
                return None
            return value
        if required:
            self.add(f"{where}.{name}_env", f"is required (or {name}_file): the secret must come from the environment or a file")
        return None


def _expand(text: str, env: dict[str, str]) -> str:
    """`${NAME}` and `$NAME` replaced from `env` (unknown names are left as they are)."""
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)


LOG_FORMATS = ("text", "json")


def _zone_hint(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(available_timezones()), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"\"{c}\"" for c in close) + "?"
    return "use an IANA name like \"Europe/Zurich\", \"Africa/Khartoum\" or \"UTC\""


def _http_url(p: _Problems, at: str, url: str) -> None:
    """An http(s) URL with a host and a valid port; the URL itself is never shown (a secret)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as e:
        p.add(at, f"the secret is not a valid URL ({e})")
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        p.add(at, f"the secret must be an http(s) URL with a host, not {mask_url(url)}")


def _rules(p: _Problems, c: dict, where: str, base: Path) -> ChannelRules:
    """The routing, mode, grouping and template keys every channel type shares (`c`: the
    channel's values, from SCHEMA)."""

    def names(key: str, allowed: tuple[str, ...]) -> frozenset[str]:
        values = c[key] or []
        bad = [v for v in values if v not in allowed]
        if bad:
            p.add(f"{where}.{key}", f"unknown value(s) {bad}; use some of: {', '.join(allowed)}")
        return frozenset(v for v in values if v in allowed)

    places = c["places"] or []
    if any(not isinstance(x, str) or not x.strip() for x in places):
        p.add(f"{where}.places", "must be a list of place names, like [\"Syria\", \"Gaza\"]")
        places = []
    min_sources = c["min_sources"]
    if min_sources < 1:
        p.add(f"{where}.min_sources", "must be at least 1")
    mode = c["mode"]
    if mode not in ("immediate", "digest"):
        p.add(f"{where}.mode", f"must be \"immediate\" or \"digest\", not {mode!r}")
    schedule, tz = c["schedule"], c["timezone"]
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        p.add(f"{where}.timezone", f"{tz!r} is not an IANA time zone; {_zone_hint(tz)}")
        zone, tz = ZoneInfo("UTC"), "UTC"
    if mode == "digest" and not schedule:
        p.add(f"{where}.schedule", "a digest channel needs a cron schedule, like \"0 8 * * *\" (08:00 daily)")
    if schedule:
        try:
            cron.trigger(schedule, zone)
        except ValueError as e:
            p.add(f"{where}.schedule", f"{schedule!r} is not a cron line (minute hour day month weekday, or @daily ...): {e}")
    wait_text = c["group_wait"]
    wait = parse_duration(wait_text)
    if wait is None and wait_text.strip() not in ("0", "0s"):
        p.add(f"{where}.group_wait", f"must be a duration like \"2m\" or \"0s\", not {wait_text!r}")
    templates = {}
    for key in ("template", "text_template"):
        value = c.get(key)
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


def state_dir(value: str | None, cfg_dir: Path, env: dict[str, str]) -> Path:
    """Where state lives: `[tracker] state_dir` (relative to the config file), else the first
    of systemd's $STATE_DIRECTORY, else the config file's folder."""
    if value:
        path = Path(_expand(value, env)).expanduser()
        return path if path.is_absolute() else cfg_dir / path
    systemd = (env.get("STATE_DIRECTORY") or "").split(":")[0]
    return Path(systemd) if systemd else cfg_dir


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
    for key in data:
        if key not in ("tracker", "fetch", "serve", "feeds", "channels"):
            p.add(key, "is not a known key (known tables: [tracker], [fetch], [serve], [[feeds]], [[channels]])")

    t = p.take(p.table(data, "tracker"), "tracker", "tracker")
    state = state_dir(t["state_dir"], base, env)
    if state.exists() and not state.is_dir():
        p.add("tracker.state_dir", f"{state} is not a folder")
    # (that it is writable is checked by the commands that write: tracker.app.open_store;
    # the reading commands work on a read-only state folder)
    password = p.secret(t, "tracker", "database_password", required=False)
    database = database_url(t["database"], state, password) if t["database"] else ""
    templates = None
    if t["templates"] is not None:
        templates = Path(t["templates"]).expanduser()
        templates = templates if templates.is_absolute() else base / templates
        if not templates.is_dir():
            p.add("tracker.templates", f"folder {templates} does not exist (it holds template overrides; leave the key out to use the built-in templates)")
    timing = {}
    for key, default in (("poll_check", "10s"), ("deliver_every", "15s"), ("lease", "60s")):
        seconds = parse_duration(t[key])
        if not seconds:
            p.add(f"tracker.{key}", f"must be a duration like '10s' or '1m', not {t[key]!r}")
        elif key == "lease" and seconds < 3:
            p.add("tracker.lease", f"must be at least 3s, not {t[key]!r}")
        timing[key] = seconds or parse_duration(default)
    processes = t["processes"]
    if processes is not None and not 0 <= processes <= 64:
        p.add("tracker.processes", f"must be between 0 (parse in the fetching threads) and 64, not {processes}")
    log_format = t["log_format"]
    if log_format not in LOG_FORMATS:
        p.add("tracker.log_format", f"must be \"text\" or \"json\", not {log_format!r}")
        log_format = "text"
    max_attempts = t["max_attempts"]
    if max_attempts < 1:
        p.add("tracker.max_attempts", "must be at least 1")

    f = p.take(p.table(data, "fetch"), "fetch", "fetch")
    fetch = FetchSettings(
        connect_timeout=float(f["connect_timeout"]),
        read_timeout=float(f["read_timeout"]),
        max_bytes=f["max_bytes"],
        user_agent=f["user_agent"],
        allow_private_networks=f["allow_private_networks"],
        total_timeout=float(f["total_timeout"]),
        per_host_limit=f["per_host_limit"],
        workers=f["workers"],
        proxy=f["proxy"],
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
    if fetch.proxy is not None and (problem := proxy_problem(fetch.proxy, credentials=False)):
        p.add("fetch.proxy", problem)

    serve = _serve(p, p.take(p.table(data, "serve"), "serve", "serve"))

    feeds = []
    raw_feeds = data.get("feeds", [])
    if not isinstance(raw_feeds, list) or not raw_feeds:
        p.add("feeds", "add at least one [[feeds]] table with a url")
        raw_feeds = []
    seen_urls: set[str] = set()
    for i, raw in enumerate(raw_feeds):
        where = f"feeds[{i}]"
        if not isinstance(raw, dict):
            p.add(where, "must be a table: [[feeds]]")
            continue
        fd = p.take(raw, where, "feeds")
        url = fd["url"]
        if url is None:
            continue
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            try:
                parts.port  # noqa: B018 - raises ValueError for a port out of range
                if not parts.hostname:
                    p.add(f"{where}.url", f"{url!r} has no host")
            except ValueError as e:
                p.add(f"{where}.url", f"{url!r} is not a valid URL: {e}")
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
        every = parse_duration(fd["every"])
        if not every or every < 60:
            p.add(f"{where}.every", f"must be a duration of at least one minute like '15m' or '1h', not {fd['every']!r}")
            every = 900
        silent = parse_duration(fd["silent_after"])
        if not silent or silent < every:
            p.add(f"{where}.silent_after", f"must be a duration at least as long as `every`, like \"2d\", not {fd['silent_after']!r}")
            silent = 172800
        name = fd["name"] or (urlsplit(url).hostname or Path(url).name)
        feeds.append(FeedSettings(url=url, name=name, every_seconds=every, silent_after_seconds=silent))

    channels: list[ChannelSettings] = []
    raw_channels = data.get("channels", [])
    if not isinstance(raw_channels, list):
        p.add("channels", "must be [[channels]] tables")
        raw_channels = []
    names: set[str] = set()
    for i, raw in enumerate(raw_channels):
        where = f"channels[{i}]"
        if not isinstance(raw, dict):
            p.add(where, "must be a table: [[channels]]")
            continue
        name = raw.get("name") if isinstance(raw.get("name"), str) else None
        if name:
            where = f"channels[{i}] ({name})"
            if name in names:
                p.add(f"{where}.name", f"{name!r} is used by another channel")
            names.add(name)
        ctype = raw.get("type")
        if ctype not in CHANNEL_TYPES:
            p.take({k: v for k, v in raw.items() if k in ("name", "type")}, where, "channels")
            if ctype is not None:
                p.add(f"{where}.type", f"must be one of {', '.join(CHANNEL_TYPES)}, not {ctype!r}")
            continue
        c = p.take(raw, where, "channels", f"channels ({ctype})")
        name = c["name"] or ""
        rules = _rules(p, c, where, base)
        if ctype == "email":
            to = c["to"]
            if to is not None and (not to or any(not isinstance(x, str) or "@" not in x for x in to)):
                p.add(f"{where}.to", "must be a list of email addresses, like [\"desk@example.org\"]")
            sender = c["from"]
            if sender is not None and "@" not in sender:
                p.add(f"{where}.from", f"must be an email address, not {sender!r}")
            port = c["smtp_port"]
            if not 0 < port < 65536:
                p.add(f"{where}.smtp_port", f"must be a port number, not {port}")
            channels.append(
                EmailSettings(
                    name=name,
                    smtp_host=c["smtp_host"] or "",
                    smtp_port=port,
                    sender=sender or "",
                    to=tuple(x for x in to or () if isinstance(x, str)),
                    starttls=c["starttls"],
                    username=p.secret(c, where, "username", required=False),
                    password=p.secret(c, where, "password", required=False),
                    timeout=float(c["timeout"]),
                    rules=rules,
                )
            )
        elif ctype == "slack":
            url = p.secret(c, where, "webhook_url", required=True)
            if url:
                _http_url(p, f"{where}.webhook_url", url)
            channels.append(SlackSettings(name=name, webhook_url=url or "", timeout=float(c["timeout"]), rules=rules))
        elif ctype == "webhook":
            url = p.secret(c, where, "url", required=True)
            if url:
                _http_url(p, f"{where}.url", url)
            secret = p.secret(c, where, "secret", required=False)
            if secret:
                try:
                    signing_key(secret)
                except ValueError as e:
                    p.add(f"{where}.secret", f"{e} (a whsec_ secret is \"whsec_\" followed by standard base64)")
            channels.append(WebhookSettings(name=name, url=url or "", secret=secret, timeout=float(c["timeout"]), rules=rules))
        elif ctype == "file":
            folder = c["path"]
            path = Path(folder).expanduser() if folder else Path("outbox")
            channels.append(FileSettings(name=name, path=path if path.is_absolute() else state / path, rules=rules))

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
        lease_seconds=max(3, timing["lease"]),
        max_attempts=max_attempts,
        processes=processes,
        state_dir=state,
        log_format=log_format,
        serve=serve,
    )


def _serve(p: _Problems, s: dict) -> ServeSettings:
    """[serve]: `listen` as host:port, the tokens split on newlines, commas and spaces."""
    host, port = parse_listen(s["listen"])
    if port is None:
        p.add("serve.listen", f"must be host:port like \"127.0.0.1:8080\" or \"[::1]:8080\" (port 1 to 65535), not {s['listen']!r}")
    raw = p.secret(s, "serve", "tokens", required=False)
    tokens = tuple(t for t in re.split(r"[\s,]+", raw or "") if t)
    if raw is not None and any(len(t) < 16 for t in tokens):
        p.add("serve.tokens", "each bearer token must be at least 16 characters (e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe())'`)")
    return ServeSettings(host or "127.0.0.1", port or 8080, tokens)


def parse_listen(value: str) -> tuple[str | None, int | None]:
    """'127.0.0.1:8080' -> ('127.0.0.1', 8080); '[::1]:80' -> ('::1', 80); (None, None)
    when it is not host:port. Pure."""
    m = re.fullmatch(r"\s*(?:\[([0-9A-Fa-f:.]+)\]|([^\s:\[\]]+)):(\d{1,5})\s*", value or "")
    if not m or not 0 < int(m.group(3)) < 65536:
        return None, None
    return m.group(1) or m.group(2), int(m.group(3))


if __name__ == "__main__":  # python -m tracker.config > docs/config.md
    print(reference(), end="")
