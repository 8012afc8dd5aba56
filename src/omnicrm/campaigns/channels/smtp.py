"""E-mail over SMTP. Each sending thread keeps its own connection open across sends; the
Message-ID is derived from the outbox key, so a message sent again after a crash is recognisably
the same message (the receiving side's idempotency key)."""

import base64
import hashlib
import smtplib
import threading
from email.header import Header
from email.utils import formatdate

from omnicrm.campaigns.channels.base import Envelope, Outcome

CRLF = b"\r\n"


def message_id(key: str, domain: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(envelope: Envelope, sender: str, mid: str) -> bytes:
    """The MIME message as SMTP carries it: a UTF-8 plain-text part in base64, with the HTML
    part as its alternative when there is one.

    Written directly rather than by the ``email`` package, whose header folding took a third of
    the worker's time; only a subject that needs it goes through ``Header`` (RFC 2047)."""
    subject = envelope.subject or ""
    if not subject.isascii() or not subject.isprintable() or len(subject) > 70:
        subject = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    head = (
        f"From: {sender}\r\nTo: {envelope.to}\r\nSubject: {subject}\r\n"
        f"Date: {formatdate(usegmt=True)}\r\nMessage-ID: {mid}\r\nMIME-Version: 1.0\r\n"
    ).encode()
    text = _part("plain", envelope.text)
    if not envelope.html:
        return head + text
    boundary = f"=_{mid[1:33]}".encode()  # "=_" never starts a base64 line
    return b"".join(
        (
            head,
            b'Content-Type: multipart/alternative;\r\n boundary="' + boundary + b'"\r\n\r\n',
            b"--" + boundary + CRLF,
            text,
            b"--" + boundary + CRLF,
            _part("html", envelope.html),
            b"--" + boundary + b"--" + CRLF,
        )
    )


def _part(subtype: str, body: str) -> bytes:
    """A text part's headers and its base64 body in 76-character lines."""
    encoded = base64.encodebytes(body.encode()).replace(b"\n", CRLF)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n".encode()
        + encoded
    )


class SmtpProvider:
    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 30.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self._local = threading.local()
        self._open: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def send(self, envelope: Envelope) -> Outcome:
        if any(c in envelope.to for c in "\r\n"):  # it goes into a header as it is
            return Outcome("bounced", "smtp: a line break in the address")
        mid = message_id(envelope.key, self.sender.rpartition("@")[2] or "localhost")
        try:
            self._connection().sendmail(
                self.sender, [envelope.to], build_email(envelope, self.sender, mid)
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _answer(code, text)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the session
                self._drop()
            return _answer(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome("retry", f"smtp: {exc}"[:200])
        return Outcome("sent", provider_id=mid)

    def _connection(self) -> smtplib.SMTP:
        """This thread's session; a new one after ``close`` (a provider outlives a worker run)."""
        smtp = getattr(self._local, "smtp", None)
        with self._lock:
            closed = smtp is not None and smtp not in self._open
        if smtp is None or closed:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            self._local.smtp = smtp
            with self._lock:
                self._open.append(smtp)
        return smtp

    def _drop(self) -> None:
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            with self._lock:
                if smtp in self._open:
                    self._open.remove(smtp)
            _quit(smtp)

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
        for smtp in connections:
            _quit(smtp)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _answer(code: int, text: bytes | str) -> Outcome:
    reply = text.decode(errors="replace") if isinstance(text, bytes) else text
    return Outcome("bounced" if code >= 500 else "retry", f"smtp {code}: {reply}"[:200])
