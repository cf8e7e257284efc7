"""Masking of secrets for logs, reprs and error messages. Pure."""

from __future__ import annotations

import base64
import binascii
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
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port out of range: the URL is bad, but masking it must not fail
        port = ":<bad port>"
    return f"{parts.scheme}://{host}{port}/***"


def mask_text(text: str, secrets: list[str | None]) -> str:
    """Replace every occurrence of each secret in `text` (for error messages from libraries)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask_url(secret) if "://" in secret else "***")
    return text


def signing_key(secret: str) -> bytes:
    """The key bytes of a webhook signing secret. Pure.

    A "whsec_..." secret is base64 after the prefix, as the Standard Webhooks spec and its
    libraries define; decoded strictly (the library skips stray characters, so a typo would
    silently sign with another key). Any other secret is its raw UTF-8 bytes. Raises
    ValueError for a whsec_ secret that is empty or not valid base64.
    """
    if not secret.startswith("whsec_"):
        return secret.encode("utf-8")
    encoded = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as e:
        raise ValueError("the webhook secret starts with whsec_ but is not valid base64") from e
    if not key:
        raise ValueError("the webhook secret whsec_ is empty")
    return key
