"""Comments on readings (党建e互动) and their moderation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from studyhub.readings.models import Reading


def comment_section(
    session: Session,
    reading: Reading,
    *,
    viewer_id: int,
    committee_id: int,
    can_moderate: bool,
    now: datetime,
) -> dict[str, Any]:
    """What ``templates/readings/_comments.html`` needs to show under a reading."""
    return {}
