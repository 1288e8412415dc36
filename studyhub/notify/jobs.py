"""The outbox's delivery job: sends queued e-mail copies after their transactions committed."""

from __future__ import annotations

import logging
import smtplib
from contextlib import nullcontext
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from studyhub.notify.mail import Sender, SmtpSender, SmtpSettings, build_email
from studyhub.notify.models import DeliveryStatus, EmailDelivery, Message

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
    ids = _claim(session, now=now, limit=batch_size)
    session.commit()
    sent = 0
    with nullcontext(send) if send is not None else SmtpSender(smtp_settings) as sender:
        for delivery_id in ids:
            delivery = session.get(EmailDelivery, delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                continue
            message: Message = delivery.message
            delivery.attempts += 1
            try:
                sender(
                    build_email(
                        smtp_settings,
                        to=delivery.to_address,
                        subject=message.subject,
                        body=message.body,
                        link=message.link,
                    )
                )
            except Exception as exc:  # any failure is recorded on the row
                _record_failure(delivery, exc, now=now, max_attempts=max_attempts)
            else:
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = now
                delivery.last_error = None
                sent += 1
            session.commit()
    if ids:
        log.info("outbox: %d of %d e-mails sent", sent, len(ids))
    return sent


def _claim(session: Session, *, now: datetime, limit: int) -> list[int]:
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
    claimed = session.scalars(
        update(EmailDelivery)
        .where(EmailDelivery.id.in_(due))
        .values(next_attempt_at=now + CLAIM_FOR)
        .returning(EmailDelivery.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def _record_failure(
    delivery: EmailDelivery, exc: Exception, *, now: datetime, max_attempts: int
) -> None:
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if delivery.attempts >= max_attempts or _is_permanent(exc):
        delivery.status = DeliveryStatus.FAILED
        log.warning(
            "outbox: giving up on e-mail %d to %s after %d attempts: %s",
            delivery.id,
            delivery.to_address,
            delivery.attempts,
            delivery.last_error,
        )
        return
    delivery.next_attempt_at = now + RETRY_BASE * 2 ** (delivery.attempts - 1)


def _is_permanent(exc: Exception) -> bool:
    """The server refused the mail itself (5xx); sending it again would not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
