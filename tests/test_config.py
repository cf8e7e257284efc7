"""config.toml validation: the embedded default loads; every problem is reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import EmailSettings, FileSettings, SlackSettings, WebhookSettings, database_url, load, parse_duration
from tracker.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "feed.xml").write_text("<rss/>")
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_embedded_default_loads_and_resolves_paths_against_its_folder():
    s = load(ROOT / "config.toml", env={})
    assert s.database == f"sqlite:///{ROOT / 'tracker.db'}"
    assert [f.url for f in s.feeds] == [str(ROOT / "seeds/sample-wire.rss.xml"), str(ROOT / "seeds/sample-desk.atom.xml")]
    assert all(f.every_seconds == 900 for f in s.feeds)
    assert s.channels == (FileSettings(name="outbox", path=ROOT / "outbox"),)
    assert s.fetch.allow_private_networks is False


def test_config_path_comes_from_TRACKER_CONFIG(tmp_path):
    path = write(tmp_path, '[tracker]\ndatabase = "x.db"\n[[feeds]]\nurl = "feed.xml"\n')
    s = load(None, env={"TRACKER_CONFIG": str(path)})
    assert s.database == f"sqlite:///{tmp_path / 'x.db'}"


def test_every_problem_is_reported_at_once_naming_the_key(tmp_path):
    path = write(
        tmp_path,
        """
[tracker]
databse = "typo.db"

[fetch]
allow_private_networks = "yes"

[[feeds]]
url = "ftp://example.org/feed"
every = "15x"

[[feeds]]
url = "missing.xml"

[[channels]]
name = "mail"
type = "email"
smtp_host = "localhost"
smtp_port = "25"
from = "not-an-address"
to = "desk@example.org"

[[channels]]
name = "slack"
type = "slack"
webhook_url_env = "NOT_SET_ANYWHERE"

[[channels]]
name = "pager"
type = "sms"
""",
    )
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    problems = "\n".join(info.value.problems)
    expected = [
        "tracker.databse: is not a known key",
        "fetch.allow_private_networks: must be true or false",
        "feeds[0].url: only http(s) URLs or local file paths",
        "feeds[0].every: must be a duration",
        "feeds[1].url: local file",
        "channels[0] (mail).smtp_port: must be an integer",
        "channels[0] (mail).from: must be an email address",
        "channels[0] (mail).to: must be a list",
        "channels[1] (slack).webhook_url_env: environment variable NOT_SET_ANYWHERE is not set",
        "channels[2] (pager).type: must be one of email, slack, webhook, file",
    ]
    for fragment in expected:
        assert fragment in problems, fragment
    assert len(info.value.problems) == len(expected)
    assert "problem(s) to fix" in str(info.value)


def test_secrets_come_from_the_environment_and_never_show_in_reprs(tmp_path):
    path = write(
        tmp_path,
        """
[tracker]
database = "postgresql://postgres@127.0.0.1:5432/test"
[[feeds]]
url = "https://news.example.org/feed.xml"
name = "News"
every = "1h"
[[channels]]
name = "mail"
type = "email"
smtp_host = "smtp.example.org"
smtp_port = 587
starttls = true
from = "tracker@example.org"
to = ["desk@example.org"]
username_env = "SMTP_USER"
password_env = "SMTP_PASS"
[[channels]]
name = "slack"
type = "slack"
webhook_url_env = "SLACK_URL"
[[channels]]
name = "hook"
type = "webhook"
url_env = "HOOK_URL"
secret_env = "HOOK_SECRET"
""",
    )
    env = {
        "SMTP_USER": "me",
        "SMTP_PASS": "hunter2-password",
        "SLACK_URL": "https://hooks.slack.com/services/T000/B000/SECRETTOKEN",
        "HOOK_URL": "https://partner.example.org/hooks/SECRETPATH",
        "HOOK_SECRET": "whsec_c2VjcmV0",
    }
    s = load(path, env=env)
    assert s.database == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert s.feeds[0].every_seconds == 3600
    email, slack, hook = s.channels
    assert isinstance(email, EmailSettings) and email.password == "hunter2-password" and email.starttls
    assert isinstance(slack, SlackSettings) and slack.webhook_url.endswith("SECRETTOKEN")
    assert isinstance(hook, WebhookSettings) and hook.secret == "whsec_c2VjcmV0"
    shown = repr(s)
    for secret in ("hunter2-password", "SECRETTOKEN", "SECRETPATH", "c2VjcmV0"):
        assert secret not in shown


def test_a_toml_syntax_error_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, '[tracker]\ndatabase = "x.db\n')
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    assert "not valid TOML" in str(info.value) and "line 2" in str(info.value)


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(
    "text,seconds",
    [("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172800), ("45s", 45), ("", None), ("15x", None), ("m", None)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_database_url_forms(tmp_path):
    assert database_url("data/t.db", tmp_path) == f"sqlite:///{tmp_path / 'data/t.db'}"
    assert database_url("sqlite:///t.db", tmp_path) == f"sqlite:///{tmp_path / 't.db'}"
    assert database_url("sqlite:////abs/t.db", tmp_path) == "sqlite:////abs/t.db"
    assert database_url("postgres://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


# --------------------------------------------------------------------------- state, secrets, reference

FEED_AND_FILE = '[[feeds]]\nurl = "feed.xml"\n[[channels]]\nname = "out"\ntype = "file"\npath = "outbox"\n'


def test_state_lives_in_state_dir_then_STATE_DIRECTORY_then_next_to_the_config(tmp_path):
    path = write(tmp_path, FEED_AND_FILE)
    s = load(path, env={})
    assert s.database == f"sqlite:///{tmp_path / 'tracker.db'}" and s.channels[0].path == tmp_path / "outbox"
    s = load(path, env={"STATE_DIRECTORY": "/var/lib/pause-tracker:/var/lib/other"})  # systemd may pass several
    assert s.database == "sqlite:////var/lib/pause-tracker/tracker.db"
    assert s.channels[0].path == Path("/var/lib/pause-tracker/outbox") and s.state_dir == Path("/var/lib/pause-tracker")
    path.write_text('[tracker]\nstate_dir = "state"\ndatabase = "t.db"\n' + FEED_AND_FILE)
    s = load(path, env={"STATE_DIRECTORY": "/var/lib/pause-tracker"})  # the key wins
    assert s.database == f"sqlite:///{tmp_path / 'state' / 't.db'}" and s.channels[0].path == tmp_path / "state" / "outbox"
    assert [f.url for f in s.feeds] == [str(tmp_path / "feed.xml")]  # feeds and templates stay next to the config


def test_a_state_dir_that_is_a_file_or_not_writable_is_reported(tmp_path):
    (tmp_path / "afile").write_text("x")
    path = write(tmp_path, '[tracker]\nstate_dir = "afile"\n' + FEED_AND_FILE)
    with pytest.raises(ConfigError, match="state_dir: .*afile is not a folder"):
        load(path, env={})


def test_every_secret_can_come_from_a_file_and_credentials_directory_is_expanded(tmp_path):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "hook").write_text("https://hooks.example.org/services/T/B/X\n")
    (creds / "signing").write_text("whsec_" + "c2VjcmV0LWtleS1ieXRlcw==")
    (creds / "smtp").write_text("pa55word\n")
    (creds / "db").write_text("db-pass")
    path = write(
        tmp_path,
        '[tracker]\ndatabase = "postgresql://tracker@db.example.org/tracker"\ndatabase_password_file = "${CREDENTIALS_DIRECTORY}/db"\n'
        '[[feeds]]\nurl = "feed.xml"\n'
        '[[channels]]\nname = "s"\ntype = "slack"\nwebhook_url_file = "${CREDENTIALS_DIRECTORY}/hook"\n'
        '[[channels]]\nname = "w"\ntype = "webhook"\nurl_file = "$CREDENTIALS_DIRECTORY/hook"\nsecret_file = "' + str(creds / "signing") + '"\n'
        '[[channels]]\nname = "m"\ntype = "email"\nsmtp_host = "localhost"\nfrom = "a@example.org"\nto = ["b@example.org"]\n'
        'username_env = "SMTP_USER"\npassword_file = "${CREDENTIALS_DIRECTORY}/smtp"\n',
    )
    s = load(path, env={"CREDENTIALS_DIRECTORY": str(creds), "SMTP_USER": "desk"})
    slack, hook, mail = s.channels
    assert slack.webhook_url == hook.url == "https://hooks.example.org/services/T/B/X"  # trailing newline dropped
    assert hook.secret == "whsec_c2VjcmV0LWtleS1ieXRlcw==" and (mail.username, mail.password) == ("desk", "pa55word")
    assert s.database == "postgresql+psycopg://tracker:db-pass@db.example.org/tracker"
    assert "db-pass" not in repr(s) and "pa55word" not in repr(mail)


def test_a_postgres_password_from_the_environment_is_escaped_into_the_url(tmp_path):
    path = write(tmp_path, '[tracker]\ndatabase = "postgresql://tracker@db:5432/t"\ndatabase_password_env = "TRACKER_DB_PASSWORD"\n[[feeds]]\nurl = "feed.xml"\n')
    s = load(path, env={"TRACKER_DB_PASSWORD": "p@ss/w:rd"})
    assert s.database == "postgresql+psycopg://tracker:p%40ss%2Fw%3Ard@db:5432/t"


def test_secret_files_and_keys_that_cannot_be_used_are_reported(tmp_path):
    path = write(
        tmp_path,
        '[[feeds]]\nurl = "feed.xml"\n'
        '[[channels]]\nname = "s"\ntype = "slack"\nwebhook_url_file = "missing"\nwebhook_url_env = "X"\n'
        '[[channels]]\nname = "w"\ntype = "webhook"\nurl_file = "/nonexistent/url"\n'
        '[[channels]]\nname = "w2"\ntype = "webhook"\nurl_env = "HOOK"\nsecret_env = "SECRET"\n'
        '[[channels]]\nname = "s2"\ntype = "slack"\nwebhook_url_env = "BADPORT"\n'
        '[[channels]]\nname = "s3"\ntype = "slack"\n',
    )
    env = {"X": "https://a.example/x", "HOOK": "https://b.example/h", "SECRET": "whsec_not*base64!", "BADPORT": "https://hooks.slack.com:99999/services/x"}
    with pytest.raises(ConfigError) as info:
        load(path, env=env)
    problems = "\n".join(info.value.problems)
    assert "channels[0] (s).webhook_url_env: set webhook_url_env or webhook_url_file, not both" in problems
    assert "channels[1] (w).url_file: cannot read /nonexistent/url" in problems
    assert "channels[2] (w2).secret: the webhook secret starts with whsec_ but is not valid base64" in problems
    assert "channels[3] (s2).webhook_url: the secret is not a valid URL (Port out of range" in problems
    assert "channels[4] (s3).webhook_url_env: is required (or webhook_url_file)" in problems
    assert "99999/services" not in problems and "whsec_not" not in problems  # secrets are not echoed


def test_a_wrong_time_zone_suggests_real_zone_names(tmp_path):
    from zoneinfo import ZoneInfo

    path = write(tmp_path, '[[feeds]]\nurl = "feed.xml"\n[[channels]]\nname = "d"\ntype = "file"\npath = "o"\ntimezone = "Europe/Geneva"\n'
                 '[[channels]]\nname = "e"\ntype = "file"\npath = "p"\ntimezone = "Africa/Khartum"\n')
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    problems = "\n".join(info.value.problems)
    assert "'Europe/Geneva' is not an IANA time zone" in problems and "did you mean \"Africa/Khartoum\"" in problems
    import re

    for name in re.findall(r'"([A-Za-z_]+/[A-Za-z_]+)"', problems):
        ZoneInfo(name)  # every zone the messages suggest exists


def test_durations_take_weeks():
    assert parse_duration("1w") == 7 * 86400 and parse_duration("2w3d") == 17 * 86400 and parse_duration("1w1h") == 7 * 86400 + 3600


def test_the_config_reference_is_generated_from_the_schema_the_validator_uses():
    """docs/config.md is `python -m tracker.config`; regenerate it with TRACKER_REGEN_GOLDEN=1."""
    import os

    from tracker.config import SCHEMA, reference

    path = ROOT / "docs" / "config.md"
    if os.environ.get("TRACKER_REGEN_GOLDEN"):
        path.write_text(reference(), encoding="utf-8")
    assert path.read_text(encoding="utf-8") == reference(), "docs/config.md drifted: python -m tracker.config > docs/config.md"
    text = reference()
    for keys in SCHEMA.values():
        for k in keys:
            assert f"| `{k.name}` |" in text
    for key in ("workers", "per_host_limit", "max_bytes", "user_agent", "processes", "poll_check", "deliver_every", "timeout", "state_dir"):
        assert f"| `{key}` |" in text


def test_every_key_of_the_embedded_default_is_in_the_schema():
    import tomllib

    from tracker.config import SCHEMA

    data = tomllib.loads((ROOT / "config.toml").read_text())
    known = {k.name for keys in SCHEMA.values() for k in keys}
    used = set(data["tracker"]) | set(data["fetch"]) | {k for f in data["feeds"] for k in f} | {k for c in data["channels"] for k in c}
    assert used <= known


@pytest.mark.parametrize(
    "value,problem",
    [
        ("http://proxy.example.org:3128", None),
        ("proxy.example.org:3128", None),  # http:// is implied, as in requests
        ("https://proxy.example.org", None),
        ("socks5://proxy.example.org:1080", "only http:// and https:// proxies"),
        ("http://user:hunter2@proxy.example.org:3128", "do not belong in config.toml"),
        ("http://proxy.example.org:3128/path", "without a path"),
        ("http://proxy.example.org:99999", "not a valid proxy URL"),
        ("http://", "has no host"),
    ],
)
def test_fetch_proxy(tmp_path, value, problem):
    path = write(tmp_path, f'[tracker]\ndatabase = "x.db"\n[fetch]\nproxy = "{value}"\n[[feeds]]\nurl = "feed.xml"\n')
    if problem is None:
        assert load(path, env={}).fetch.proxy == value
        return
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    text = str(info.value)
    assert "fetch.proxy: " in text and problem in text
    assert "hunter2" not in text
