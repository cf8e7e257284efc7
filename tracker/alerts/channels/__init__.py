"""Alert channels: one module per channel type, each a class with `send()`. I/O.

    email.py    EmailChannel    SMTP, text + HTML            (build_message is pure)
    slack.py    SlackChannel    Slack incoming webhook
    webhook.py  WebhookChannel  signed JSON (Standard Webhooks); shared HTTP plumbing
    file.py     FileChannel     .eml + .slack.json + .webhook.json in a folder

A channel makes one attempt and reports it as a Delivery. It does not decide whether
to send (alerts/plan.py does), does not retry or wait (the outbox does, using
Delivery.retry and Delivery.retry_after) and never raises into the caller. Secrets
(webhook URLs, the SMTP password, the signing secret) never appear in errors or reprs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import requests

from ...config import ChannelSettings, EmailSettings, FileSettings, SlackSettings, WebhookSettings
from ...types import Delivery, Outgoing
from .email import EmailChannel, build_message
from .file import FileChannel
from .slack import SlackChannel
from .webhook import WebhookChannel

__all__ = [
    "Channel",
    "EmailChannel",
    "FileChannel",
    "SlackChannel",
    "WebhookChannel",
    "build_channel",
    "build_message",
]


class Channel(Protocol):
    """What the outbox needs from a channel."""

    name: str  # the configured channel name
    type: str  # "email", "slack", "webhook" or "file"
    min_interval: float  # seconds between two messages to it (0: no limit); the outbox never sends faster
    timeout: float  # the longest one send waits for its peer (an alert's claim outlasts it)

    def send(self, msg: Outgoing, now: datetime) -> Delivery:
        """One delivery attempt. Never raises; failures come back as Delivery(ok=False)."""
        ...


def build_channel(settings: ChannelSettings, session: requests.Session) -> Channel:
    """The channel for one configured [[channels]] table. HTTP channels share `session`."""
    if isinstance(settings, EmailSettings):
        return EmailChannel(settings)
    if isinstance(settings, SlackSettings):
        return SlackChannel(settings, session)
    if isinstance(settings, WebhookSettings):
        return WebhookChannel(settings, session)
    if isinstance(settings, FileSettings):
        return FileChannel(settings)
    raise TypeError(f"no channel for settings of type {type(settings).__name__}")
