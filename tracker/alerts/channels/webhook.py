"""Generic webhook channel: POST the rendered JSON body, signed per Standard Webhooks. I/O.

Also holds the small HTTP plumbing the Slack channel shares (`post`); Retry-After is read by
the one parser feeds use too (`feeds.policy.retry_after_seconds`, clamped to a day).

Does not decide whether to send, and does not retry: it makes one attempt and reports
it as a Delivery; the outbox decides what to do next. Never raises into the caller.

Signing (https://www.standardwebhooks.com/): `webhook-id` is stable per alert key and
install (the same across retries, so receivers can dedupe; other installs give others), `webhook-timestamp` is `now` in integer
seconds, `webhook-signature` is "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))
computed by the `standardwebhooks` package over exactly the bytes we send.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
from standardwebhooks.webhooks import Webhook

from ...config import WebhookSettings
from ...feeds.policy import retry_after_seconds
from ...secrets import mask_text, mask_url, signing_key
from ...types import Delivery, Outgoing

USER_AGENT = "pause-tracker/0.1"
MAX_ERROR_BODY = 300  # characters of a peer's error response kept in Delivery.error
CONNECT_TIMEOUT_CAP = 5.0  # seconds; a connect should be quick even when reads may be slow


# --------------------------------------------------------------------------- shared HTTP plumbing


def timeouts(timeout: float) -> tuple[float, float]:
    """(connect, read) for requests: connect capped at CONNECT_TIMEOUT_CAP, read = timeout."""
    return (min(timeout, CONNECT_TIMEOUT_CAP), timeout)


def scrub(text: str, url: str, *secrets: str | None) -> str:
    """Mask the URL (and its path, query and password on their own) and `secrets` in `text`.

    Library messages quote the path without the host ("with url: /services/T/B/X"),
    so masking the whole URL alone is not enough.
    """
    parts = urlsplit(url)
    pieces: list[str | None] = [url]
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    for piece in (tail, parts.path, parts.query, parts.password):
        if piece and piece != "/":
            pieces.append(piece)
    return mask_text(text, [*pieces, *secrets])  # the URL becomes scheme://host/***, pieces ***


def _reason(exc: Exception) -> str:
    """The useful part of a requests/urllib3 error message, e.g. '[Errno 111] Connection refused'."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\][^'\")]*", text)
    if found:
        return found.group(0).strip()
    if "reset by peer" in text.lower():
        return "connection reset by peer"
    return f"{type(exc).__name__}: {text}"


def post(
    session: requests.Session,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    now: datetime,
    *,
    retry_statuses: frozenset[int],
    secrets: tuple[str | None, ...] = (),
) -> Delivery:
    """One POST; the answer classified as a Delivery. Never raises for network or HTTP errors.

    2xx -> ok. Statuses in `retry_statuses` and every 5xx -> retry (429 carries
    retry_after). Other 3xx/4xx -> final. Timeouts, resets, refused connections -> retry.
    Redirects are not followed: a webhook that moved is a configuration problem.
    """
    where = mask_url(url)
    try:
        response = session.post(
            url,
            data=body,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=timeouts(timeout),
            allow_redirects=False,
        )
    except requests.Timeout as e:
        kind = "connecting to" if isinstance(e, requests.ConnectTimeout) else "waiting for"
        return Delivery(ok=False, error=f"timed out {kind} {where} (timeout {timeout:g}s)", retry=True)
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema) as e:
        return Delivery(ok=False, error=scrub(f"invalid URL {where}: {type(e).__name__}", url, *secrets), retry=False)
    except requests.ConnectionError as e:
        return Delivery(ok=False, error=scrub(f"cannot reach {where}: {_reason(e)}", url, *secrets), retry=True)
    except requests.RequestException as e:
        return Delivery(ok=False, error=scrub(f"request to {where} failed: {_reason(e)}", url, *secrets), retry=True)
    except Exception as e:  # never raise into the outbox; record it and let it retry
        return Delivery(ok=False, error=scrub(f"unexpected error posting to {where}: {_reason(e)}", url, *secrets))

    status = response.status_code
    if 200 <= status < 300:
        return Delivery(ok=True)
    snippet = " ".join(response.text.split())[:MAX_ERROR_BODY]
    error = scrub(f"HTTP {status} from {where}" + (f": {snippet}" if snippet else ""), url, *secrets)
    if 300 <= status < 400:
        return Delivery(ok=False, error=error + " (redirects are not followed; fix the URL)", retry=False)
    if status in retry_statuses or status >= 500:
        after = retry_after_seconds(response.headers.get("Retry-After"), now) if status in (429, 503) else None
        return Delivery(ok=False, error=error, retry=True, retry_after=after)
    return Delivery(ok=False, error=error, retry=False)


# --------------------------------------------------------------------------- the channel


def webhook_id(key: str, install: str = "") -> str:
    """Stable Standard Webhooks message id for an alert key on one install (the same on
    every retry; another install, or a reset database, gives other ids). Pure."""
    return "msg_" + hashlib.sha256(f"{install}/{key}".encode()).hexdigest()[:24]


def signer(secret: str) -> Webhook:
    """A Standard Webhooks signer for a configured secret.

    A "whsec_..." secret is base64 after the prefix, as the spec and its libraries
    define. Decision: any other secret is used as its raw UTF-8 bytes, so a plain
    shared password works too; receivers must then build their verifier from the same
    bytes (standardwebhooks: `Webhook(secret.encode())`, not `Webhook(secret)`, which
    would base64-decode it). Raises ValueError for a whsec_ secret that is not strict base64.
    """
    return Webhook(signing_key(secret))


def encode_body(payload: dict) -> bytes:
    """The JSON body, serialised once: these exact bytes are signed and sent. Pure."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed_headers(key: str, body: bytes, now: datetime, secret: str | None, install: str = "") -> dict[str, str]:
    """Content-Type and the Standard Webhooks headers for one attempt. Pure."""
    msg_id = webhook_id(key, install)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        # standardwebhooks floors the datetime it is given; pass the same whole second.
        at = datetime.fromtimestamp(timestamp, tz=timezone.utc)
        headers["webhook-signature"] = signer(secret).sign(msg_id, at, body.decode("utf-8"))
    return headers


class WebhookChannel:
    """POST `rendered.webhook` as signed JSON to a configured URL. I/O.

    Does not decide whether to send; does not retry (the outbox does).
    Response handling: 2xx ok; 408/425/429/5xx, timeouts, resets -> retry (429/503
    Retry-After honoured); other 4xx and 3xx -> final.
    """

    type = "webhook"
    min_interval = 0.0
    retry_statuses = frozenset({408, 425, 429})

    def __init__(self, settings: WebhookSettings, session: requests.Session) -> None:
        self.settings = settings
        self.timeout = settings.timeout  # the claim on an alert outlasts it
        self.name = settings.name
        self._session = session

    def __repr__(self) -> str:
        return f"WebhookChannel({self.settings!r})"

    def send(self, msg: Outgoing, now: datetime) -> Delivery:
        s = self.settings
        try:
            body = encode_body(msg.rendered.webhook)
            headers = signed_headers(msg.key, body, now, s.secret, msg.install)
        except ValueError as e:  # bad secret, or a payload json cannot encode (NaN is allowed)
            return Delivery(ok=False, error=scrub(str(e), s.url, s.secret), retry=False)
        except TypeError as e:
            return Delivery(ok=False, error=f"payload is not JSON-serialisable: {e}", retry=False)
        return post(
            self._session, s.url, body, headers, s.timeout, now, retry_statuses=self.retry_statuses, secrets=(s.secret,)
        )
