"""Email channel: a multipart (text + HTML) message over SMTP. I/O (send), pure (build_message).

Does not decide whether to send, and does not retry: one attempt, reported as a
Delivery; the outbox decides what next. Never raises into the caller. The SMTP
password is masked in every error text and in repr.

Outcome per SMTP reply: 4xx, connection errors and timeouts -> retry; 5xx -> final.
When the server accepts some recipients and refuses others, the message has been
delivered, so the Delivery is ok (a retry would send it twice to those who got it)
and its error names each refused recipient with the server's reply.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import unicodedata
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from ...config import EmailSettings
from ...secrets import mask_text
from ...types import Delivery, Outgoing

MAX_SUBJECT = 250  # characters; a longer subject is cut and ends with "…"


def clean_subject(subject: str) -> str:
    """One line of printable text: line breaks and tabs become spaces, every other
    control or format character (Unicode category C*, e.g. NUL, bidi overrides) is
    dropped, whitespace collapses. Header injection ("\\r\\nBcc: x") is impossible. Pure."""
    chars = []
    for ch in subject:
        category = unicodedata.category(ch)
        if ch in "\r\n\t\v\f\x85" or category in ("Zl", "Zp"):
            chars.append(" ")
        elif not category.startswith("C"):
            chars.append(ch)
    text = " ".join("".join(chars).split())
    if len(text) > MAX_SUBJECT:
        text = text[: MAX_SUBJECT - 1].rstrip() + "…"
    return text or "(no subject)"


def message_id(key: str, install: str, sender: str) -> str:
    """A Message-ID stable per alert key and install, so a retried alert is recognisably
    the same mail and another install's alert never looks like it; its right-hand side is
    the From address's domain (RFC 5322 wants a domain the sender controls). Pure.

    Built like `email.utils.make_msgid(idstring, domain)`, but without make_msgid's time,
    pid and random part: those would change on every retry, and a receiver could no
    longer tell a retry from a new mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2].strip().strip("[]") or "pause-tracker.invalid"
    digest = hashlib.sha256(f"{install}/{key}".encode()).hexdigest()[:32]
    return f"<{digest}.pause-tracker@{domain}>"


def build_message(settings: EmailSettings, msg: Outgoing) -> EmailMessage:
    """The email for one alert: text part plus HTML alternative. Pure: no I/O.

    Date is the alert's created_at, so the same alert always builds the same message.
    Raises ValueError when an address from the settings is not a valid header value.
    """
    message = EmailMessage()
    message["Subject"] = clean_subject(msg.rendered.subject)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(msg.created_at)
    message["Message-ID"] = message_id(msg.key, msg.install, settings.sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(msg.rendered.text)
    message.add_alternative(msg.rendered.html, subtype="html")
    # A boundary derived from the key (not random), so the same alert builds the same bytes.
    boundary = f"=_pause-tracker_{hashlib.sha256(msg.key.encode('utf-8')).hexdigest()[:32]}"
    if boundary not in msg.rendered.text and boundary not in msg.rendered.html:
        message.set_boundary(boundary)
    return message


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _is_temporary(code: int) -> bool:
    return 400 <= code < 500


class EmailChannel:
    """Send each alert as one email to every configured recipient. I/O.

    Uses smtplib.SMTP(host, port, timeout=settings.timeout); STARTTLS (verified with
    the system CAs) when settings.starttls; AUTH when username and password are set.
    """

    type = "email"
    min_interval = 0.0

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self.timeout = settings.timeout  # the claim on an alert outlasts it
        self.name = settings.name

    def __repr__(self) -> str:
        return f"EmailChannel({self.settings!r})"

    def send(self, msg: Outgoing, now: datetime) -> Delivery:
        try:
            delivery = self._send(msg)
        except Exception as e:  # never raise into the outbox; record it and let it retry
            delivery = Delivery(ok=False, error=f"unexpected error: {type(e).__name__}: {e}", retry=True)
        if delivery.error:
            s = self.settings
            return Delivery(
                ok=delivery.ok,
                error=mask_text(delivery.error, [s.password]),
                retry=delivery.retry,
                retry_after=delivery.retry_after,
            )
        return delivery

    def _send(self, msg: Outgoing) -> Delivery:
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        try:
            message = build_message(s, msg)
        except (ValueError, TypeError) as e:
            return Delivery(ok=False, error=f"cannot build the email: {e}", retry=False)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username and s.password:
                    smtp.login(s.username, s.password)
                refused = smtp.send_message(message, from_addr=s.sender, to_addrs=list(s.to))
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            listed = ", ".join(f"{rcpt} ({_reply(code, text)})" for rcpt, (code, text) in e.recipients.items())
            return Delivery(
                ok=False, error=f"every recipient refused: {listed}", retry=any(_is_temporary(c) for c in codes)
            )
        except smtplib.SMTPSenderRefused as e:
            error = f"sender {e.sender} refused: {_reply(e.smtp_code, e.smtp_error)}"
            return Delivery(ok=False, error=error, retry=_is_temporary(e.smtp_code))
        except smtplib.SMTPAuthenticationError as e:
            error = f"login refused by {where}: {_reply(e.smtp_code, e.smtp_error)}"
            return Delivery(ok=False, error=error, retry=_is_temporary(e.smtp_code))
        except smtplib.SMTPResponseException as e:  # DATA, HELO, connect, other replies
            stage = type(e).__name__.removeprefix("SMTP").removesuffix("Error") or "reply"
            error = f"{where} answered {_reply(e.smtp_code, e.smtp_error)} ({stage})"
            return Delivery(ok=False, error=error, retry=_is_temporary(e.smtp_code))
        except smtplib.SMTPNotSupportedError as e:
            return Delivery(ok=False, error=f"{where} does not support a required feature: {e}", retry=False)
        except smtplib.SMTPServerDisconnected as e:
            return Delivery(ok=False, error=f"{where} closed the connection: {e}", retry=True)
        except smtplib.SMTPException as e:  # the rest of smtplib's tree (it derives from OSError)
            return Delivery(ok=False, error=f"SMTP error with {where}: {e}", retry=True)
        except TimeoutError:
            return Delivery(ok=False, error=f"timed out talking to {where} (timeout {s.timeout:g}s)", retry=True)
        except ssl.SSLCertVerificationError as e:
            return Delivery(ok=False, error=f"TLS certificate of {where} not trusted: {e.verify_message}", retry=False)
        except OSError as e:  # refused, unreachable, DNS, reset, other TLS errors
            return Delivery(ok=False, error=f"cannot connect to {where}: {e}", retry=True)
        if refused:
            listed = ", ".join(f"{rcpt} ({_reply(code, text)})" for rcpt, (code, text) in refused.items())
            return Delivery(ok=True, error=f"delivered, but refused for: {listed}", retry=False)
        return Delivery(ok=True)
