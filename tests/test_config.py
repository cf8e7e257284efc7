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
        "tracker.database: is required",
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
