"""The live lessons' job: write the attendance of lessons that have ended.

``write_ended_lessons`` runs every minute; it selects the lessons over whose
attendance is not yet written (``LiveLesson.attendance_written_at``), so a late
or repeated run writes each lesson once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from studyhub.live import queries
from studyhub.live.services.attendance import write_attendance


def write_ended_lessons(session: Session, *, now: datetime) -> int:
    """Write every ended lesson's attendance; returns how many lessons were written."""
    lessons = list(session.scalars(queries.lessons_to_close(now)))
    for lesson in lessons:
        write_attendance(session, lesson, now=now)
    return len(lessons)
