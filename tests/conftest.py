"""Shared fixtures: real local servers, started and stopped around each test; a loopback-only
safety net and a TLS certificate for the fetch tests (test_ssrf.py, test_proxy.py)."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
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


@pytest.fixture
def only_loopback_traffic(monkeypatch):
    """Safety net: a connect() to anything but loopback fails the test instead of leaving the host."""
    real_connect = socket.socket.connect
    attempts: list[str] = []

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        try:
            ok = ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
        except ValueError:
            ok = False
        if not ok:
            attempts.append(host)
            raise AssertionError(f"test tried to connect to non-loopback {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
    assert not attempts


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    """A self-signed certificate for the name feed.test and 127.0.0.1 (made with the openssl command)."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=feed.test",
         "-addext", "subjectAltName=DNS:feed.test,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
         "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return d / "cert.pem", d / "key.pem"
