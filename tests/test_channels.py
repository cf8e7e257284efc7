"""Alert channels against REAL local servers (tests/servers.py): no mocks.

Email goes to aiosmtpd, Slack and webhooks to a local HTTP server; the file channel
writes to tmp_path. One shared table of failure cases runs against both HTTP channels.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests
from servers import RESET, LocalHTTPServer, LocalSMTPServer, free_port
from standardwebhooks.webhooks import Webhook

from tracker.alerts.channels import (
    EmailChannel,
    FileChannel,
    SlackChannel,
    WebhookChannel,
    build_channel,
    build_message,
)
from tracker.config import EmailSettings, FileSettings, SlackSettings, WebhookSettings
from tracker.feeds.policy import retry_after_seconds as retry_after
from tracker.types import Delivery, Outgoing, Rendered

SLACK_PATH = "/services/T0SECRET/B0SECRET/XXSECRETTOKENXX"
HOOK_PATH = "/hooks/SECRETPATH"
HOOK_QUERY = "token=QUERYSECRET"
WHSEC = "whsec_" + base64.b64encode(b"a-32-byte-signing-key-for-tests!").decode()
SMTP_PASSWORD = "smtp-SECRET-pw"
CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def secret_free(text: str | None) -> bool:
    return not text or ("SECRET" not in text and WHSEC[6:] not in text)


def outgoing(key: str = "pause:7:status:agreed:desk", subject: str = "Ceasefire in Aleppo: agreed") -> Outgoing:
    rendered = Rendered(
        subject=subject,
        text="A 72-hour ceasefire in Aleppo was agreed.\n",
        html="<p>A 72-hour ceasefire in <b>Aleppo</b> was agreed.</p>",
        slack={
            "text": "Ceasefire in Aleppo: agreed",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Aleppo* — agreed"}}],
        },
        webhook={
            "event": "status",
            "pause": {"id": 7, "kind": "ceasefire", "location": "Aleppo"},
            "note": "72 h — «agreed»",
        },
    )
    return Outgoing(key=key, channel="desk", rendered=rendered, created_at=CREATED)


def now() -> datetime:
    # Real time: standardwebhooks' verify() rejects timestamps more than 5 minutes off.
    return datetime.now(timezone.utc)


@pytest.fixture
def session():
    with requests.Session() as s:
        yield s


# --------------------------------------------------------------------------- email


def email_settings(smtp: LocalSMTPServer | None = None, port: int | None = None, **kw) -> EmailSettings:
    values = dict(
        name="desk",
        smtp_host="127.0.0.1",
        smtp_port=port if port is not None else smtp.port,  # type: ignore[union-attr]
        sender="tracker@example.org",
        to=("desk@example.org",),
        starttls=False,
        username=None,
        password=None,
        timeout=5.0,
    )
    values.update(kw)
    return EmailSettings(**values)  # type: ignore[arg-type]


def test_email_arrives_with_text_and_html_parts(smtp_server):
    settings = email_settings(smtp_server, to=("desk@example.org", "ops@example.org"))
    delivery = EmailChannel(settings).send(outgoing(), now())
    assert delivery == Delivery(ok=True)
    [received] = smtp_server.messages
    assert received.envelope_from == "tracker@example.org"
    assert received.rcpt_tos == ("desk@example.org", "ops@example.org")
    m = received.message
    assert m["Subject"] == "Ceasefire in Aleppo: agreed"
    assert m["From"] == "tracker@example.org"
    assert m["Message-ID"] == "<" + hashlib.sha256(b"/pause:7:status:agreed:desk").hexdigest()[:32] + ".pause-tracker@example.org>"
    assert m["Date"].datetime == CREATED
    assert m.get_content_type() == "multipart/alternative"
    assert m.get_body(("plain",)).get_content().replace("\r\n", "\n") == "A 72-hour ceasefire in Aleppo was agreed.\n"
    assert "<b>Aleppo</b>" in m.get_body(("html",)).get_content()


def test_email_subject_injection_is_one_header_line_without_bcc(smtp_server):
    msg = outgoing(subject="Truce agreed\r\nBcc: x@y\r\n\r\nbody?\x00\u2028more")
    assert EmailChannel(email_settings(smtp_server)).send(msg, now()).ok
    [received] = smtp_server.messages
    assert received.rcpt_tos == ("desk@example.org",)
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Truce agreed Bcc: x@y body? more"
    headers = received.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc") for line in headers.splitlines())


def test_build_message_is_stable_per_key():
    a = build_message(email_settings(port=25), outgoing())
    b = build_message(email_settings(port=25), outgoing())
    assert a.as_bytes() == b.as_bytes()


@pytest.mark.parametrize(
    ("reply", "retry"),
    [("450 4.2.0 Mailbox busy", True), ("550 5.1.1 No such user", False)],
)
def test_email_rcpt_refusal(smtp_server, reply, retry):
    smtp_server.rcpt_reply = reply
    delivery = EmailChannel(email_settings(smtp_server)).send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, retry)
    assert "desk@example.org" in delivery.error and reply in delivery.error
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("reply", "retry"),
    [("451 4.3.0 Try again later", True), ("554 5.7.1 Message rejected", False)],
)
def test_email_data_refusal(smtp_server, reply, retry):
    smtp_server.data_reply = reply
    delivery = EmailChannel(email_settings(smtp_server)).send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, retry)
    assert reply in delivery.error


def test_email_partial_refusal_is_delivered_and_names_the_refused(smtp_server):
    smtp_server.rcpt_replies = {"gone@example.org": "550 5.1.1 No such user"}
    settings = email_settings(smtp_server, to=("desk@example.org", "gone@example.org"))
    delivery = EmailChannel(settings).send(outgoing(), now())
    # Delivered to desk@: a retry would send it twice, so ok with the refusal reported.
    assert delivery.ok
    assert "gone@example.org (550 5.1.1 No such user)" in delivery.error
    assert "desk@example.org" not in delivery.error
    assert [m.rcpt_tos for m in smtp_server.messages] == [("desk@example.org",)]


def test_email_dead_port_is_retried_with_a_clear_error():
    port = free_port()
    delivery = EmailChannel(email_settings(port=port)).send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, True)
    assert f"cannot connect to 127.0.0.1:{port}" in delivery.error
    assert "refused" in delivery.error.lower()


def test_email_silent_server_times_out_and_is_retried():
    with socket.socket() as listener:  # accepts TCP (backlog) but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        settings = email_settings(port=listener.getsockname()[1], timeout=0.3)
        delivery = EmailChannel(settings).send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, True)
    assert "timed out" in delivery.error


def test_email_login_and_password_never_shown():
    with LocalSMTPServer(auth={"tracker": SMTP_PASSWORD}) as smtp:
        good = EmailChannel(email_settings(smtp, username="tracker", password=SMTP_PASSWORD))
        assert good.send(outgoing(), now()).ok
        assert len(smtp.messages) == 1
        bad = EmailChannel(email_settings(smtp, username="tracker", password="wrong-SECRET-pw"))
        delivery = bad.send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, False)
    assert "535" in delivery.error
    for text in (delivery.error, repr(delivery), repr(good), repr(bad)):
        assert secret_free(text), text


# --------------------------------------------------------------------------- slack


def slack(server: LocalHTTPServer, session: requests.Session, timeout: float = 5.0) -> SlackChannel:
    return SlackChannel(SlackSettings(name="desk", webhook_url=server.url + SLACK_PATH, timeout=timeout), session)


def test_slack_posts_the_payload(http_server, session):
    http_server.respond(SLACK_PATH, (200, {"Content-Type": "text/plain"}, b"ok"))
    assert slack(http_server, session).send(outgoing(), now()) == Delivery(ok=True)
    [post] = http_server.posts(SLACK_PATH)
    assert post.headers["content-type"].startswith("application/json")
    assert json.loads(post.body) == outgoing().rendered.slack


@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, b"invalid_payload"), (403, b"action_prohibited"), (404, b"no_service"), (410, b"channel_is_archived")],
)
def test_slack_4xx_is_final_with_slacks_reason(http_server, session, status, reason):
    http_server.respond(SLACK_PATH, (status, {"Content-Type": "text/plain"}, reason))
    delivery = slack(http_server, session).send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, False)
    assert reason.decode() in delivery.error and str(status) in delivery.error
    assert secret_free(delivery.error) and secret_free(repr(delivery))


def test_slack_429_then_200(http_server, session):
    http_server.respond(SLACK_PATH, (429, {"Retry-After": "30"}, b"rate_limited"), (200, {}, b"ok"))
    channel = slack(http_server, session)
    first = channel.send(outgoing(), now())
    assert (first.ok, first.retry, first.retry_after) == (False, True, 30.0)
    assert channel.send(outgoing(), now()).ok


# --------------------------------------------------------------------------- webhook


def webhook(server: LocalHTTPServer, session: requests.Session, secret: str | None = WHSEC, timeout: float = 5.0):
    url = f"{server.url}{HOOK_PATH}?{HOOK_QUERY}"
    return WebhookChannel(WebhookSettings(name="desk", url=url, secret=secret, timeout=timeout), session)


def verify_by_hand(key: bytes, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks, written from the spec: v1 = base64(HMAC-SHA256(key, id.ts.body))."""
    signed = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    candidates = [s.split(",", 1) for s in headers["webhook-signature"].split(" ")]
    return any(v == "v1" and hmac.compare_digest(sig, expected) for v, sig in candidates)


def test_webhook_signature_verifies_by_hand_and_with_standardwebhooks(http_server, session):
    at = now()
    assert webhook(http_server, session).send(outgoing(), at) == Delivery(ok=True)
    [post] = http_server.posts(HOOK_PATH)
    assert post.headers["content-type"] == "application/json"
    assert post.headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert post.headers["webhook-id"] == "msg_" + hashlib.sha256(b"/pause:7:status:agreed:desk").hexdigest()[:24]  # install "" / key
    assert json.loads(post.body) == outgoing().rendered.webhook
    key = base64.b64decode(WHSEC.removeprefix("whsec_"))
    assert verify_by_hand(key, post.headers, post.body)
    assert Webhook(WHSEC).verify(post.body, post.headers) == outgoing().rendered.webhook
    assert not verify_by_hand(key, post.headers, post.body + b" ")


def test_webhook_plain_secret_is_used_as_raw_utf8_bytes(http_server, session):
    plain = "correct horse battery staple"
    assert webhook(http_server, session, secret=plain).send(outgoing(), now()).ok
    [post] = http_server.posts(HOOK_PATH)
    assert verify_by_hand(plain.encode(), post.headers, post.body)
    Webhook(plain.encode()).verify(post.body, post.headers)


def test_webhook_without_secret_sends_id_and_timestamp_only(http_server, session):
    assert webhook(http_server, session, secret=None).send(outgoing(), now()).ok
    [post] = http_server.posts(HOOK_PATH)
    assert {"webhook-id", "webhook-timestamp"} <= post.headers.keys()
    assert "webhook-signature" not in post.headers


def test_webhook_id_is_the_same_across_retries_and_differs_per_key(http_server, session):
    http_server.respond(HOOK_PATH, (503, {}, b"busy"), (204, {}, b""))
    channel = webhook(http_server, session)
    first = channel.send(outgoing(), now())
    assert (first.ok, first.retry) == (False, True)
    assert channel.send(outgoing(), now() + timedelta(seconds=61)).ok
    assert channel.send(outgoing(key="pause:8:new:desk"), now()).ok
    ids = [p.headers["webhook-id"] for p in http_server.posts(HOOK_PATH)]
    stamps = [int(p.headers["webhook-timestamp"]) for p in http_server.posts(HOOK_PATH)]
    assert ids[0] == ids[1] != ids[2]
    assert stamps[1] - stamps[0] >= 60  # a retry is re-signed at its own time


def test_webhook_bad_whsec_secret_is_a_final_error_without_the_secret(http_server, session):
    delivery = webhook(http_server, session, secret="whsec_SECRET!!not-base64").send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, False)
    assert "whsec_" in delivery.error and secret_free(delivery.error)
    assert http_server.posts() == []


def test_webhook_repr_hides_url_and_secret(session):
    channel = WebhookChannel(WebhookSettings("desk", "https://example.org/hooks/SECRETPATH", WHSEC), session)
    assert secret_free(repr(channel)) and "example.org" in repr(channel)
    slack_channel = SlackChannel(SlackSettings("desk", "https://hooks.slack.com" + SLACK_PATH), session)
    assert secret_free(repr(slack_channel)) and "hooks.slack.com" in repr(slack_channel)


# --------------------------------------------------------------------------- shared HTTP failure table

HTTP_CHANNELS = {
    "slack": (lambda server, session, timeout: slack(server, session, timeout=timeout), SLACK_PATH),
    "webhook": (lambda server, session, timeout: webhook(server, session, timeout=timeout), HOOK_PATH),
}

# (case id, scripted responses or a special, expected retry, expected retry_after, text in error)
FAILURES = [
    ("timeout", "delay", True, None, "timed out"),
    ("reset", (RESET,), True, None, "reset"),
    ("refused", "dead-port", True, None, "refused"),
    ("400", ((400, {}, b"bad request"),), False, None, "HTTP 400"),
    ("401", ((401, {}, b"unauthorized"),), False, None, "HTTP 401"),
    ("404", ((404, {}, b"no_service"),), False, None, "HTTP 404"),
    ("429", ((429, {"Retry-After": "7"}, b"rate_limited"),), True, 7.0, "HTTP 429"),
    ("500", ((500, {}, b"internal error"),), True, None, "HTTP 500"),
    ("502", ((502, {}, b""),), True, None, "HTTP 502"),
    ("503", ((503, {"Retry-After": "120"}, b"maintenance"),), True, 120.0, "HTTP 503"),
    ("301", ((301, {"Location": "https://elsewhere.example/SECRET"}, b""),), False, None, "redirect"),
]


@pytest.mark.parametrize("kind", sorted(HTTP_CHANNELS))
@pytest.mark.parametrize(("case", "script", "retry", "after", "text"), FAILURES, ids=[f[0] for f in FAILURES])
def test_http_channel_failures(http_server, session, kind, case, script, retry, after, text):
    make, path = HTTP_CHANNELS[kind]
    timeout = 5.0
    server = http_server
    if script == "delay":
        timeout = 0.3
        http_server.delay(path, 3.0)
    elif script == "dead-port":
        server = LocalHTTPServer()
        server.url = f"http://127.0.0.1:{free_port()}"  # never started: nothing listens
    else:
        http_server.respond(path, *script)
    delivery = make(server, session, timeout).send(outgoing(), now())
    assert (delivery.ok, delivery.retry, delivery.retry_after) == (False, retry, after)
    assert text in delivery.error.lower() if text.islower() else text in delivery.error
    assert secret_free(delivery.error), delivery.error
    assert secret_free(repr(delivery))


def test_retry_after_accepts_seconds_and_http_dates():
    at = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert retry_after("30", at) == 30.0
    assert retry_after("Sat, 01 Mar 2025 12:02:00 GMT", at) == 120.0
    assert retry_after("Sat, 01 Mar 2025 11:00:00 GMT", at) == 0.0
    assert retry_after("soon", at) is None
    assert retry_after(None, at) is None
    # one parser for feeds and channels, clamped: a peer's typo never holds anything for a year
    for odd in ("inf", "1e12", "-5", "nan", "3.5"):
        assert retry_after(odd, at) is None, odd
    assert retry_after("999999999999", at) == 24 * 3600


# --------------------------------------------------------------------------- file


def test_file_channel_writes_three_files_atomically_and_idempotently(tmp_path: Path):
    folder = tmp_path / "outbox" / "nested"
    channel = FileChannel(FileSettings(name="files", path=folder))
    msg = outgoing(key="pause:7/status:agreed\\..\\files")
    assert channel.send(msg, now()) == Delivery(ok=True)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
    paths = channel.paths(msg.key)
    assert json.loads(paths["slack"].read_text("utf-8")) == msg.rendered.slack
    assert json.loads(paths["webhook"].read_text("utf-8")) == msg.rendered.webhook
    eml = message_from_bytes(paths["eml"].read_bytes(), policy=policy.default)
    assert eml["Subject"] == "Ceasefire in Aleppo: agreed"
    assert eml["From"] == "pause-tracker@localhost" and eml["To"] == "outbox@localhost"
    assert eml.get_body(("plain",)).get_content().startswith("A 72-hour ceasefire")
    assert eml.get_body(("html",)) is not None

    before = {n: (folder / n).read_bytes() for n in names}
    assert channel.send(msg, now()).ok  # the same key again: the same three files
    assert {n: (folder / n).read_bytes() for n in sorted(p.name for p in folder.iterdir())} == before

    assert channel.send(outgoing(key="pause:7:status:agreed:files"), now()).ok
    assert len(list(folder.iterdir())) == 6  # no temporary files left behind


def test_file_channel_unwritable_folder_is_reported_not_raised(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    delivery = FileChannel(FileSettings(name="files", path=blocker / "sub")).send(outgoing(), now())
    assert (delivery.ok, delivery.retry) == (False, True)
    assert "cannot write" in delivery.error


# --------------------------------------------------------------------------- factory


def test_build_channel_returns_one_channel_per_type(session, tmp_path):
    cases = [
        (email_settings(port=25), EmailChannel, "email"),
        (SlackSettings("s", "https://hooks.slack.com" + SLACK_PATH), SlackChannel, "slack"),
        (WebhookSettings("w", "https://example.org" + HOOK_PATH, None), WebhookChannel, "webhook"),
        (FileSettings("f", tmp_path), FileChannel, "file"),
    ]
    for settings, cls, kind in cases:
        channel = build_channel(settings, session)
        assert isinstance(channel, cls)
        assert (channel.name, channel.type) == (settings.name, kind)
