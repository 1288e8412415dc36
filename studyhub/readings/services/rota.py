"""The lead-reader (领读人) rota, daily assignments and reflections."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from studyhub.readings.models import Reading


def reflection_section(
    session: Session, reading: Reading, *, branch_id: int | None, viewer_member_id: int | None
) -> dict[str, Any]:
    """What ``templates/readings/_reflection.html`` needs to show under a reading."""
    return {}
