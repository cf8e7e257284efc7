"""Slack channel: POST the rendered Slack payload to an incoming-webhook URL. I/O.

Does not decide whether to send, and does not retry an alert: one attempt, reported as a
Delivery; the outbox decides what next. Never raises into the caller. The webhook URL
is a secret: it is masked in every error text and in repr.

A payload over Slack's limits (a user's template can make one) is split with
`slack_limits.split_message` and sent as parts in order, `min_interval` apart. When
Slack refuses a part as too long (`msg_too_long`, `msg_blocks_too_long`,
`invalid_blocks`), that part and the ones after it are split again with half the
budget (or half the part) and sent, down to MIN_MESSAGE_CHARS. When a part fails after others went out, the Delivery's `rest` holds
the parts not sent, so a retry sends only those (never a part twice).

Slack answers 200 "ok"; 429 with Retry-After when rate limited; 400/403/404/410 with a
short reason ("invalid_payload", "channel_is_archived", "no_service", ...), kept in
the error because it tells the operator what to fix.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import requests

from ...config import SlackSettings
from ...types import Delivery, Outgoing
from ..slack_limits import MAX_MESSAGE_CHARS, MIN_MESSAGE_CHARS, block_chars, split_message
from .webhook import post

#: Slack's answers that mean "this message is too big": split smaller and send again.
TOO_LONG = re.compile(r"\b(msg_too_long|msg_blocks_too_long|invalid_blocks)\b")


def parts_of(payload: dict) -> list[dict]:
    """The messages a stored Slack payload stands for: the parts left by an earlier
    attempt ({"parts": [...]}, see `rest`), else the payload split within the limits."""
    if isinstance(payload.get("parts"), list):
        return list(payload["parts"])
    return split_message(payload)


class SlackChannel:
    """Send `rendered.slack` ({"text": ..., "blocks": [...]}) to a Slack incoming webhook. I/O.

    2xx -> ok; 429 -> retry with retry_after; other 4xx -> final (Slack's reason in
    the error) unless it says "too long" (split and sent again); 5xx, timeouts,
    connection errors -> retry.
    """

    type = "slack"
    retry_statuses = frozenset({429})
    min_interval = 1.0  # seconds between messages: Slack allows about one per second per webhook

    def __init__(self, settings: SlackSettings, session: requests.Session, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.timeout = settings.timeout  # the claim on an alert outlasts it
        self.name = settings.name
        self._session = session
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"SlackChannel({self.settings!r})"

    def send(self, msg: Outgoing, now: datetime) -> Delivery:
        pending = deque(parts_of(msg.rendered.slack))
        budget, sent = MAX_MESSAGE_CHARS, 0
        while pending:
            part = pending[0]
            try:
                body = json.dumps(part, ensure_ascii=False).encode("utf-8")
            except (TypeError, ValueError) as e:
                return Delivery(ok=False, error=f"payload is not JSON-serialisable: {e}", retry=False)
            if sent:
                self._sleep(self.min_interval)
            d = self._post(body, now)
            if d.ok:
                pending.popleft()
                sent += 1
                continue
            smaller = max(MIN_MESSAGE_CHARS, min(budget, block_chars(part.get("blocks") or [])) // 2)
            if TOO_LONG.search(d.error or "") and smaller < budget:
                # what Slack refused once it refuses again: this part and those after it
                budget = smaller
                pending = deque(piece for p in pending for piece in split_message(p, budget))
                continue
            return replace(d, rest={"parts": list(pending)}) if sent or budget != MAX_MESSAGE_CHARS else d
        return Delivery(ok=True, error=f"sent in {sent} parts" if sent > 1 else None)

    def _post(self, body: bytes, now: datetime) -> Delivery:
        s = self.settings
        return post(
            self._session,
            s.webhook_url,
            body,
            {"Content-Type": "application/json; charset=utf-8"},
            s.timeout,
            now,
            retry_statuses=self.retry_statuses,
        )
