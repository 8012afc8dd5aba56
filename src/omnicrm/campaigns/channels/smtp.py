"""E-mail over SMTP. One connection is kept open across sends; the Message-ID is derived from
the outbox key, so a message sent again after a crash is recognisably the same message."""

import hashlib
import smtplib
from email.message import EmailMessage

from omnicrm.campaigns.channels.base import Envelope, Outcome


def message_id(key: str, domain: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(envelope: Envelope, sender: str) -> EmailMessage:
    """The MIME message: plain text, with the HTML part as its alternative when there is one."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = envelope.to
    mail["Subject"] = envelope.subject or ""
    mail["Message-ID"] = message_id(envelope.key, sender.rpartition("@")[2] or "localhost")
    mail.set_content(envelope.text)
    if envelope.html:
        mail.add_alternative(envelope.html, subtype="html")
    return mail


class SmtpProvider:
    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 30.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, envelope: Envelope) -> Outcome:
        mail = build_email(envelope, self.sender)
        try:
            smtp = self._connection()
            smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _answer(code, text)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the session
                self.close()
            return _answer(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return Outcome("retry", f"smtp: {exc}")
        return Outcome("sent", provider_id=mail["Message-ID"])

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _answer(code: int, text: bytes | str) -> Outcome:
    reply = text.decode(errors="replace") if isinstance(text, bytes) else text
    return Outcome("bounced" if code >= 500 else "retry", f"smtp {code}: {reply}"[:200])
