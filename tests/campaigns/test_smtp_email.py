"""The e-mail the SMTP provider writes by hand reads back, through the standard library's
parser, as the message it was built from: headers, both parts, their text."""

from email import message_from_bytes, policy

from omnicrm.campaigns.channels.base import Envelope
from omnicrm.campaigns.channels.smtp import build_email, message_id

MID = message_id("C:1:email:0", "example.com")


def envelope(subject: str | None, text: str, html: str | None) -> Envelope:
    return Envelope("C:1:email:0", "email", "marketing", "anna@example.com", subject, text, html)


def test_a_plain_text_email_parses_back_with_its_headers_and_text() -> None:
    wire = build_email(envelope("Sale", "Hello Anna\nline two\n", None), "shop@example.com", MID)
    mail = message_from_bytes(wire, policy=policy.default)
    assert (mail["From"], mail["To"], mail["Subject"]) == (
        "shop@example.com",
        "anna@example.com",
        "Sale",
    )
    assert mail["Message-ID"] == MID
    assert mail["Date"] is not None
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == "Hello Anna\nline two\n"
    assert all(len(line) <= 78 for line in wire.split(b"\r\n"))
    assert b"\n" not in wire.replace(b"\r\n", b"")


def test_unicode_long_text_and_an_html_alternative_survive_the_wire() -> None:
    subject = "Скидка для вас, Анна: " + "очень " * 20
    text = "Привет, Анна! " * 300
    wire = build_email(envelope(subject, text, "<p>Привет</p>"), "shop@example.com", MID)
    mail = message_from_bytes(wire, policy=policy.default)
    assert str(mail["Subject"]) == subject
    assert mail.get_content_type() == "multipart/alternative"
    parts = [(p.get_content_type(), p.get_content()) for p in mail.iter_parts()]
    assert parts == [("text/plain", text), ("text/html", "<p>Привет</p>")]
    assert all(len(line) <= 78 for line in wire.split(b"\r\n"))
    injected = build_email(envelope("Hi\r\nBcc: x@y", "t", None), "shop@example.com", MID)
    assert message_from_bytes(injected, policy=policy.default)["Bcc"] is None
