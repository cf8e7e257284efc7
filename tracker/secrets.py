"""Masking of secrets for logs, reprs and error messages. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit


def mask_url(url: str | None) -> str:
    """Keep scheme and host, hide path, query and credentials: webhook URLs are secrets.

    >>> mask_url("https://hooks.slack.com/services/T000/B000/XXXX")
    'https://hooks.slack.com/***'
    """
    if not url:
        return "<unset>"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/***"


def mask_text(text: str, secrets: list[str | None]) -> str:
    """Replace every occurrence of each secret in `text` (for error messages from libraries)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask_url(secret) if "://" in secret else "***")
    return text
