"""The outbox's delivery jobs: e-mail copies, SMS copies and branch group posts, each sent
after the transaction that queued it committed, retried with backoff, never twice."""

from __future__ import annotations

import logging
import smtplib
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from flask import has_app_context
from flask_babel import force_locale
from sqlalchemy import column, select, table, update
from sqlalchemy.orm import Session

from studyhub.notify import texts
from studyhub.notify.channels import ChannelError, Poster, build_post, http_post, text_of
from studyhub.notify.mail import Sender, SmtpSender, SmtpSettings, build_email, is_local_path
from studyhub.notify.models import (
    BranchChannel,
    ChannelDelivery,
    DeliveryStatus,
    EmailDelivery,
    Message,
    SmsDelivery,
)
from studyhub.notify.sms import SmsProvider
from studyhub.web.saving import commit_now

log = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 5
# 1, 2, 4, 8 minutes between the attempts.
RETRY_BASE = timedelta(minutes=1)
# A claimed row is left alone by other runs this long; if the process dies
# mid-batch, its unsent rows become due again after it.
CLAIM_FOR = timedelta(minutes=15)


def deliver_outbox(
    session: Session,
    *,
    now: datetime,
    smtp_settings: SmtpSettings | None,
    send: Sender | None = None,
    batch_size: int = BATCH_SIZE,
    max_attempts: int = MAX_ATTEMPTS,
) -> int:
    """Send up to ``batch_size`` due e-mails; returns how many were sent.

    First the batch is claimed in one statement (``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL; SQLite has one writer at a time) by moving its rows'
    ``next_attempt_at`` forward, and committed, so that two processes never
    send the same row. Then each mail is sent and its outcome committed on
    its own: a crash resends at most the one mail in flight. A failed attempt
    is retried with exponential backoff; after ``max_attempts`` (or at once,
    when the server refuses the mail for good) the row is marked failed with
    the last error. Without SMTP settings nothing is sent.
    """
    if smtp_settings is None:
        return 0
    batch = _claim(session, now=now, limit=batch_size)
    commit_now()
    sent = 0
    with nullcontext(send) if send is not None else SmtpSender(smtp_settings) as sender:
        for mail in batch:
            attempts = mail.attempts + 1
            try:
                sender(
                    build_email(
                        smtp_settings,
                        to=mail.to,
                        subject=mail.subject,
                        body=mail.body,
                        link=mail.link,
                    )
                )
            except Exception as exc:  # any failure is recorded on the row
                outcome = _failure(mail, exc, attempts=attempts, now=now, max_attempts=max_attempts)
            else:
                outcome = {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": None}
                sent += 1
            # One statement per mail, writing first (SQLite: no read-then-write transaction).
            session.execute(
                update(EmailDelivery)
                .where(EmailDelivery.id == mail.id, EmailDelivery.status == DeliveryStatus.PENDING)
                .values(attempts=attempts, **outcome)
                .execution_options(synchronize_session=False)
            )
            commit_now()
    if batch:
        log.info("outbox: %d of %d e-mails sent", sent, len(batch))
    return sent


@dataclass(frozen=True)
class _Mail:
    id: int
    attempts: int
    to: str
    subject: str
    body: str
    link: str | None


def _claim(session: Session, *, now: datetime, limit: int) -> list[_Mail]:
    """Take up to ``limit`` due rows for this run, and read what their mails say."""
    due = (
        select(EmailDelivery.id)
        .where(
            EmailDelivery.status == DeliveryStatus.PENDING,
            EmailDelivery.next_attempt_at <= now,
        )
        .order_by(EmailDelivery.next_attempt_at, EmailDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list(
        session.scalars(
            update(EmailDelivery)
            .where(EmailDelivery.id.in_(due))
            .values(next_attempt_at=now + CLAIM_FOR)
            .returning(EmailDelivery.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    rows = session.execute(
        select(
            EmailDelivery.id,
            EmailDelivery.attempts,
            EmailDelivery.to_address,
            Message,
            _user.c.locale,
        )
        .join(Message, Message.id == EmailDelivery.message_id)
        .join(_user, _user.c.id == Message.user_id)
        .where(EmailDelivery.id.in_(claimed))
        .order_by(EmailDelivery.id)
    )
    mails = []
    for mail_id, attempts, to, message, locale in rows:
        subject, body = in_language(message, locale)
        mails.append(_Mail(mail_id, attempts, to, subject, body, message.link))
    return mails


# The accounts' user table: the language each reader chose (NULL: the default).
_user = table("user", column("id"), column("locale"))


def in_language(message: Message, locale: str | None) -> tuple[str, str]:
    """(subject, body) of ``message`` in ``locale`` (the reader's choice), else the default."""
    if not has_app_context():
        return message.subject, message.body
    if not locale:
        return texts.render(message)
    with force_locale(locale):
        return texts.render(message)


def _failure(
    mail: _Mail, exc: Exception, *, attempts: int, now: datetime, max_attempts: int
) -> dict[str, object]:
    error = f"{type(exc).__name__}: {exc}"[:500]
    if attempts >= max_attempts or _is_permanent(exc):
        log.warning(
            "outbox: giving up on e-mail %d to %s after %d attempts: %s",
            mail.id,
            mail.to,
            attempts,
            error,
        )
        return {"status": DeliveryStatus.FAILED, "last_error": error}
    return {"last_error": error, "next_attempt_at": now + RETRY_BASE * 2 ** (attempts - 1)}


def _is_permanent(exc: Exception) -> bool:
    """The server refused the mail itself (5xx); sending it again would not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


# SMS copies and group posts ------------------------------------------------------------------


def _claim_ids(session: Session, model: Any, *, now: datetime, limit: int) -> list[int]:
    """Move up to ``limit`` due rows of ``model`` out of other runs' way; their ids."""
    due = (
        select(model.id)
        .where(model.status == DeliveryStatus.PENDING, model.next_attempt_at <= now)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return sorted(
        session.scalars(
            update(model)
            .where(model.id.in_(due))
            .values(next_attempt_at=now + CLAIM_FOR)
            .returning(model.id)
            .execution_options(synchronize_session=False)
        )
    )


def _outcome(
    model: Any, row_id: int, attempts: int, exc: ChannelError | None, *, now, max_attempts: int
) -> dict[str, object]:
    if exc is None:
        return {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": None}
    error = str(exc)[:500]
    if attempts >= max_attempts or exc.permanent:
        log.warning(
            "outbox: giving up on %s %d after %d attempts: %s",
            model.__tablename__,
            row_id,
            attempts,
            error,
        )
        return {"status": DeliveryStatus.FAILED, "last_error": error}
    return {"last_error": error, "next_attempt_at": now + RETRY_BASE * 2 ** (attempts - 1)}


def _record(session: Session, model: Any, row_id: int, attempts: int, outcome: dict) -> None:
    session.execute(
        update(model)
        .where(model.id == row_id, model.status == DeliveryStatus.PENDING)
        .values(attempts=attempts, **outcome)
        .execution_options(synchronize_session=False)
    )
    commit_now()


def deliver_channels(
    session: Session,
    *,
    now: datetime,
    base_url: str | None = None,
    post: Poster = http_post,
    batch_size: int = BATCH_SIZE,
    max_attempts: int = MAX_ATTEMPTS,
) -> int:
    """Post due group messages to the branches' robots; returns how many went.

    Same discipline as :func:`deliver_outbox`: the batch is claimed and committed
    first, each post's outcome committed on its own, a failure retried after 1, 2, 4,
    8 minutes, a refusal for good (a wrong address) marked failed at once.
    """
    claimed = _claim_ids(session, ChannelDelivery, now=now, limit=batch_size)
    commit_now()
    if not claimed:
        return 0
    rows = session.execute(
        select(
            ChannelDelivery.id,
            ChannelDelivery.attempts,
            ChannelDelivery.text,
            ChannelDelivery.link,
            BranchChannel.kind,
            BranchChannel.webhook_url,
            BranchChannel.secret,
        )
        .join(BranchChannel, BranchChannel.id == ChannelDelivery.channel_id)
        .where(ChannelDelivery.id.in_(claimed))
        .order_by(ChannelDelivery.id)
    ).all()
    sent = 0
    for row_id, attempts, text, link, kind, url, secret in rows:
        attempts += 1
        failure: ChannelError | None = None
        try:
            post(
                build_post(
                    kind, url, secret, text=text_of(text, _absolute(link, base_url)), now=now
                )
            )
        except ChannelError as exc:
            failure = exc
        else:
            sent += 1
        _record(
            session,
            ChannelDelivery,
            row_id,
            attempts,
            _outcome(
                ChannelDelivery, row_id, attempts, failure, now=now, max_attempts=max_attempts
            ),
        )
    log.info("outbox: %d of %d group posts sent", sent, len(rows))
    return sent


def deliver_sms(
    session: Session,
    *,
    now: datetime,
    provider: SmsProvider | None,
    base_url: str | None = None,
    batch_size: int = BATCH_SIZE,
    max_attempts: int = MAX_ATTEMPTS,
) -> int:
    """Send due SMS copies through ``provider`` (nothing without one); how many went."""
    if provider is None:
        return 0
    claimed = _claim_ids(session, SmsDelivery, now=now, limit=batch_size)
    commit_now()
    if not claimed:
        return 0
    rows = session.execute(
        select(SmsDelivery.id, SmsDelivery.attempts, SmsDelivery.phone, Message, _user.c.locale)
        .join(Message, Message.id == SmsDelivery.message_id)
        .join(_user, _user.c.id == Message.user_id)
        .where(SmsDelivery.id.in_(claimed))
        .order_by(SmsDelivery.id)
    ).all()
    sent = 0
    for row_id, attempts, phone, message, locale in rows:
        subject, link = in_language(message, locale)[0], message.link
        attempts += 1
        failure: ChannelError | None = None
        try:
            provider.send(
                phone, {"title": subject, "link": _absolute(link, base_url) or ""}, now=now
            )
        except ChannelError as exc:
            failure = exc
        else:
            sent += 1
        _record(
            session,
            SmsDelivery,
            row_id,
            attempts,
            _outcome(SmsDelivery, row_id, attempts, failure, now=now, max_attempts=max_attempts),
        )
    log.info("outbox: %d of %d SMS sent", sent, len(rows))
    return sent


def _absolute(link: str | None, base_url: str | None) -> str | None:
    """The link as a phone outside the app can open it: absolute with ``BASE_URL``; a
    site path without it would lead nowhere from a chat or a text, so it is left out."""
    if link and is_local_path(link):
        return urljoin(base_url, link) if base_url else None
    return link
