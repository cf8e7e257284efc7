"""Shared fixtures: real local servers, started and stopped around each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers import LocalHTTPServer, LocalSMTPServer


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A LocalHTTPServer on 127.0.0.1; see tests/servers.py for serve/respond/delay."""
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[LocalSMTPServer]:
    """A LocalSMTPServer (aiosmtpd) accepting every message; set .rcpt_reply etc. to fail."""
    with LocalSMTPServer() as server:
        yield server
