"""Inbox messages, their e-mail and SMS copies, branch group channels and preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhub.extensions import db


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class Message(db.Model):
    """One notification to one user; the in-app inbox lists these.

    ``dedupe_key`` makes "tell this user about X once" a unique constraint
    (e.g. ``reading:42``), so a job that runs twice sends nothing twice.
    """

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_message_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # With params, the subject and body are rendered from the kind's text in the reader's
    # language (``notify.texts``); subject/body keep the default language's text for
    # readers of old rows and for anything that cannot render.
    params: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EmailDelivery(db.Model):
    """An e-mail copy of a message, sent by a job after the transaction commits."""

    __tablename__ = "email_delivery"
    __table_args__ = (Index("ix_email_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(
            DeliveryStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DeliveryStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    message: Mapped[Message] = relationship()


def _status_column() -> Mapped[DeliveryStatus]:
    return mapped_column(
        Enum(
            DeliveryStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DeliveryStatus.PENDING,
    )


class SmsDelivery(db.Model):
    """An SMS copy of a message to a member who asked for SMS of its kind, sent by a job."""

    __tablename__ = "sms_delivery"
    __table_args__ = (Index("ix_sms_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[DeliveryStatus] = _status_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    message: Mapped[Message] = relationship()


class ChannelKind(enum.StrEnum):
    WECOM = "wecom"  # 企业微信 group robot
    DINGTALK = "dingtalk"  # 钉钉 custom robot
    FEISHU = "feishu"  # 飞书 custom bot


class BranchChannel(db.Model):
    """A branch's group chat robot: where group reminders of the branch are posted.

    The webhook address and the signing secret are credentials: pages show them only
    masked. One robot per platform and branch.
    """

    __tablename__ = "branch_channel"
    __table_args__ = (UniqueConstraint("branch_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[ChannelKind] = mapped_column(
        Enum(
            ChannelKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    webhook_url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class ChannelDelivery(db.Model):
    """One post to a branch's group robot, queued in the transaction that caused it.

    (channel, dedupe_key) is unique, so "post this once" holds against double clicks and
    a job running twice; the delivery job claims rows before posting, so a retry never
    posts a message that already went.
    """

    __tablename__ = "channel_delivery"
    __table_args__ = (
        UniqueConstraint("channel_id", "dedupe_key"),
        Index("ix_channel_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("branch_channel.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[DeliveryStatus] = _status_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(db.Model):
    """A member's choice for one kind of reminder on one channel (inbox, email, sms).

    No row means the default: inbox and e-mail on, SMS off (it costs money and is opt-in).
    """

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    is_wanted: Mapped[bool] = mapped_column(Boolean)
