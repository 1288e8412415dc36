"""Branch group channels: a branch's robots (WeCom, DingTalk, Feishu) and the posts queued
for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from studyhub.notify.models import (
    BranchChannel,
    ChannelDelivery,
    ChannelKind,
    DeliveryStatus,
)
from studyhub.notify.services.common import dialect_insert


def channels_of(session: Session, branch_id: int) -> list[BranchChannel]:
    return list(
        session.scalars(
            select(BranchChannel)
            .where(BranchChannel.branch_id == branch_id)
            .order_by(BranchChannel.kind)
        )
    )


def save_channel(
    session: Session,
    branch_id: int,
    kind: ChannelKind,
    *,
    webhook_url: str | None,
    secret: str | None,
    is_active: bool,
    by_user_id: int | None,
    now: datetime,
) -> BranchChannel:
    """Set up or change a branch's robot on one platform.

    An empty ``webhook_url`` or ``secret`` keeps the stored one (pages never show them
    back in full, so a form left empty means "unchanged").
    """
    channel = session.scalar(
        select(BranchChannel).where(
            BranchChannel.branch_id == branch_id, BranchChannel.kind == kind
        )
    )
    if channel is None:
        if not webhook_url:
            raise ValueError("a new channel needs its webhook address")
        channel = BranchChannel(branch_id=branch_id, kind=kind)
        session.add(channel)
    if webhook_url:
        channel.webhook_url = webhook_url
    if secret:
        channel.secret = secret
    channel.is_active = is_active
    channel.updated_at = now
    channel.updated_by_id = by_user_id
    session.flush()
    return channel


def remove_channel(session: Session, channel: BranchChannel) -> None:
    session.delete(channel)
    session.flush()


def post_to_branch(
    session: Session,
    branch_id: int,
    *,
    text: str,
    link: str | None,
    dedupe_key: str,
    now: datetime,
) -> int:
    """Queue ``text`` for every active robot of the branch, once per ``dedupe_key``.

    Returns how many posts were queued now (0 when the branch has no robot, or when the
    same key was queued before). ``jobs.deliver_channels`` sends them after commit.
    """
    rows = select(
        BranchChannel.id,
        literal(dedupe_key),
        literal(text),
        literal(link, type_=ChannelDelivery.link.type),
        literal(DeliveryStatus.PENDING.value),
        literal(0),
        literal(now, type_=ChannelDelivery.created_at.type),
        literal(now, type_=ChannelDelivery.next_attempt_at.type),
    ).where(BranchChannel.branch_id == branch_id, BranchChannel.is_active.is_(True))
    insert = (
        dialect_insert(session)(ChannelDelivery)
        .from_select(
            [
                "channel_id",
                "dedupe_key",
                "text",
                "link",
                "status",
                "attempts",
                "created_at",
                "next_attempt_at",
            ],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "dedupe_key"])
        .returning(ChannelDelivery.id)
    )
    return len(list(session.scalars(insert)))


def last_deliveries(session: Session, channel_ids: list[int]) -> dict[int, ChannelDelivery]:
    """Each robot's newest post (sent, waiting or failed), to show whether it works."""
    if not channel_ids:
        return {}
    newest = (
        select(func.max(ChannelDelivery.id))
        .where(ChannelDelivery.channel_id.in_(channel_ids))
        .group_by(ChannelDelivery.channel_id)
    )
    return {
        row.channel_id: row
        for row in session.scalars(select(ChannelDelivery).where(ChannelDelivery.id.in_(newest)))
    }
