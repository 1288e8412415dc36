"""The organisation tree, members and role appointments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhub.accounts.models import User
from studyhub.extensions import db

# Paths compare byte-wise so that a prefix range ("/1/5/" <= path < "/1/50") is an
# index range scan; PostgreSQL's default locale collation would not sort that way.
PathType = String(255).with_variant(String(255, collation="C"), "postgresql")


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class UnitKind(enum.StrEnum):
    COMMITTEE = "committee"  # 党委 / 行业党委
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部
    GROUP = "group"  # 党小组


# Which kinds may sit directly under which.
ALLOWED_CHILDREN: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.COMMITTEE: (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH),
    UnitKind.GENERAL_BRANCH: (UnitKind.BRANCH,),
    UnitKind.BRANCH: (UnitKind.GROUP,),
    UnitKind.GROUP: (),
}


class MemberStatus(enum.StrEnum):
    FULL = "full"  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员


class Role(enum.StrEnum):
    SECRETARY = "secretary"  # 支部书记 (on a branch)
    BRANCH_COMMITTEE = "branch_committee"  # 支部委员 (组织委员, 宣传委员…)
    STAFF = "staff"  # 党委工作人员 (on a committee or general branch)
    ADMIN = "admin"  # 管理员 of a committee: staff who also manage staff
    GROUP_LEADER = "group_leader"  # 党小组组长 (on a Party group)
    BRANCH_EDITOR = "branch_editor"  # 宣传委员 as the branch's editor: writes its readings


class OrgUnit(db.Model):
    """A node of the tree: committee, general branch, branch or Party group.

    ``path`` is ``/<root id>/…/<own id>/``; every descendant's path starts with it.
    """

    __tablename__ = "org_unit"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        Index("ix_org_unit_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(PathType, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    parent: Mapped[OrgUnit | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[OrgUnit]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="OrgUnit.name"
    )

    def is_within(self, ancestor_path: str) -> bool:
        """Whether this unit is ``ancestor_path``'s unit or below it."""
        return self.path.startswith(ancestor_path)

    @property
    def depth(self) -> int:
        """0 for a committee at the root, 1 for the units right under it, and so on."""
        return self.path.count("/") - 2

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.kind} {self.name}>"


class Member(db.Model):
    """A Party member's place in the tree; one per user who is a member.

    ``org_path`` copies the path of the member's group (or branch when not in a
    group) so the members under any node are one range scan on one index.
    """

    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_org_path", "org_path"),
        Index("ix_member_branch_active", "branch_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(PathType)
    status: Mapped[MemberStatus] = mapped_column(_enum(MemberStatus), default=MemberStatus.FULL)
    joined_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When staff erased the departed member's personal data (org.erasure); never undone.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    branch: Mapped[OrgUnit] = relationship(foreign_keys=[branch_id])
    group: Mapped[OrgUnit | None] = relationship(foreign_keys=[group_id])

    def __repr__(self) -> str:
        return f"<Member {self.id} user={self.user_id}>"


class RoleAssignment(db.Model):
    """A user's role on a unit: secretary of a branch, staff of a committee…"""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    appointed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    unit: Mapped[OrgUnit] = relationship(lazy="joined", innerjoin=True)
