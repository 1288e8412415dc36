"""E-mail: the SMTP settings, the text of a mail, and a sender built on smtplib.

Only ``jobs.deliver_outbox`` sends mail; requests never wait for a mail server.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urljoin, urlsplit

# A sender takes one finished mail and raises when the server refuses it.
Sender = Callable[[EmailMessage], None]

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    mail_from: str = "studyhub@localhost"
    base_url: str | None = None  # makes a message's local link absolute in the mail

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings in ``config``, or ``None`` when e-mail is off (no ``SMTP_HOST``)."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or 587),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            starttls=bool(config.get("SMTP_STARTTLS", True)),
            mail_from=config.get("MAIL_FROM") or "studyhub@localhost",
            base_url=config.get("BASE_URL") or None,
        )


def mail_enabled(config: Mapping[str, Any]) -> bool:
    """Whether e-mail copies should be queued at all."""
    return bool(config.get("SMTP_HOST"))


def is_local_path(link: str | None) -> bool:
    """``/readings/3`` is; ``//evil.example``, ``https://…`` and ``javascript:`` are not."""
    if not link or not link.startswith("/") or link.startswith(("//", "/\\")):
        return False
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc


def is_web_url(link: str | None) -> bool:
    """An absolute http(s) address, safe to put in an ``href``."""
    return bool(link) and urlsplit(link).scheme in ("http", "https") and bool(urlsplit(link).netloc)


def build_email(
    settings: SmtpSettings, *, to: str, subject: str, body: str, link: str | None
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = to
    mail["Subject"] = subject
    text = body
    url = None
    if link and is_local_path(link) and settings.base_url:
        url = urljoin(settings.base_url, link)
    elif is_web_url(link):
        url = link
    if url:
        text = f"{text}\n\n{url}" if text else url
    mail.set_content(text or subject)
    return mail


class SmtpSender:
    """Sends mails over one SMTP connection, opened on first use and reopened after an error.

    Use as a context manager so the connection is closed at the end of a batch.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __call__(self, mail: EmailMessage) -> None:
        try:
            self._connection().send_message(mail)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS)
            try:
                if s.starttls:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
