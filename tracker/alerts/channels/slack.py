"""Slack channel: POST the rendered Slack payload to an incoming-webhook URL. I/O.

Does not decide whether to send, and does not retry: one attempt, reported as a
Delivery; the outbox decides what next. Never raises into the caller. The webhook URL
is a secret: it is masked in every error text and in repr.

Slack answers 200 "ok"; 429 with Retry-After when rate limited; 400/403/404/410 with a
short reason ("invalid_payload", "channel_is_archived", "no_service", ...), kept in
the error because it tells the operator what to fix.
"""

from __future__ import annotations

import json
from datetime import datetime

import requests

from ...config import SlackSettings
from ...types import Delivery, Outgoing
from .webhook import post


class SlackChannel:
    """Send `rendered.slack` ({"text": ..., "blocks": [...]}) to a Slack incoming webhook. I/O.

    2xx -> ok; 429 -> retry with retry_after; other 4xx -> final (Slack's reason in
    the error); 5xx, timeouts, connection errors -> retry.
    """

    type = "slack"
    retry_statuses = frozenset({429})
    min_interval = 1.0  # seconds between messages: Slack allows about one per second per webhook

    def __init__(self, settings: SlackSettings, session: requests.Session) -> None:
        self.settings = settings
        self.name = settings.name
        self._session = session

    def __repr__(self) -> str:
        return f"SlackChannel({self.settings!r})"

    def send(self, msg: Outgoing, now: datetime) -> Delivery:
        s = self.settings
        try:
            body = json.dumps(msg.rendered.slack, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as e:
            return Delivery(ok=False, error=f"payload is not JSON-serialisable: {e}", retry=False)
        return post(
            self._session,
            s.webhook_url,
            body,
            {"Content-Type": "application/json; charset=utf-8"},
            s.timeout,
            now,
            retry_statuses=self.retry_statuses,
        )
