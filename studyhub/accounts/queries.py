"""Queries over users."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from studyhub.accounts.models import User


def user_by_login(identifier: str) -> Select[tuple[User]]:
    """The user whose phone number or member number is ``identifier``."""
    return select(User).where(or_(User.phone == identifier, User.member_no == identifier))
