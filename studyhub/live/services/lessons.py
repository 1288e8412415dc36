"""Schedule a live lesson, end it, and keep its recording.

A lesson is scheduled for a whole committee by its staff, or for one branch by
that branch's secretary. Each invited branch gets its 党课 meeting at once (its
own 党课 planned for that day is linked instead), so the secretary can open QR
check-in in the hall during the lesson; the end-of-lesson job writes the
attendance (``attendance.write_attendance``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc, local_date
from studyhub.core.errors import Closed, InvalidInput
from studyhub.live import queries
from studyhub.live.models import LiveInvitation, LiveLesson, LiveModerator
from studyhub.meetings.models import Meeting, MeetingKind
from studyhub.meetings.periods import midnight
from studyhub.meetings.services.records import MeetingFields, plan_meeting
from studyhub.org.models import OrgUnit, UnitKind

TITLE_MAX = 200
TEXT_MAX = 5_000
LONGEST_LESSON = timedelta(hours=8)
VIDEO_MAX_BYTES = 500 * 1024 * 1024
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


@dataclass(frozen=True)
class LessonFields:
    """What a lesson is; ``branches`` are the invited branches (guests included)."""

    title: str
    starts_at: datetime
    planned_end_at: datetime
    branches: Sequence[OrgUnit]
    lecturer_name: str = ""
    description: str = ""
    stream_url: str | None = None
    threshold_percent: int = 80
    replay_url: str | None = None
    makeup_until: datetime | None = None
    moderators: Sequence[User] = field(default_factory=tuple)


def check_media_url(url: str | None) -> str | None:
    """An http(s) URL of a stream or a file, or None; anything else is refused."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise InvalidInput(_l("The stream address must be an http or https URL."))
    return url


def media_origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of a media URL (for the page's CSP), None for none."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_hls(url: str | None) -> bool:
    return bool(url) and urlsplit(url).path.lower().endswith(".m3u8")


def _check(committee: OrgUnit, fields: LessonFields, host_branch: OrgUnit | None) -> None:
    title = fields.title.strip()
    if not title:
        raise InvalidInput(_l("Enter the title of the lesson."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long (200 characters at most)."))
    if len(fields.description) > TEXT_MAX:
        raise InvalidInput(_l("The description is too long."))
    start, end = as_utc(fields.starts_at), as_utc(fields.planned_end_at)
    if not start < end <= start + LONGEST_LESSON:
        raise InvalidInput(_l("The end must be after the start, and at most 8 hours later."))
    if not 1 <= fields.threshold_percent <= 100:
        raise InvalidInput(_l("The share watched for attendance is between 1 and 100 percent."))
    if fields.makeup_until is not None and as_utc(fields.makeup_until) <= end:
        raise InvalidInput(_l("The 补学 deadline must be after the end of the lesson."))
    if not fields.branches:
        raise InvalidInput(_l("Invite at least one branch."))
    for branch in fields.branches:
        if branch.kind != UnitKind.BRANCH or not branch.is_active:
            raise InvalidInput(_l("Only active branches can be invited."))
    if host_branch is not None and [b.id for b in fields.branches] != [host_branch.id]:
        raise InvalidInput(_l("A branch's lesson is for that branch only."))
    if host_branch is not None and host_branch.committee_id != committee.id:
        raise InvalidInput(_l("The branch is not in the committee."))


def _branch_meeting(
    session: Session, lesson: LiveLesson, branch: OrgUnit, *, by: User, now: datetime
) -> Meeting:
    """The branch's 党课 planned for the lesson's day, or a new one for the lesson."""
    timezone = lesson.committee.timezone
    day = local_date(lesson.starts_at, timezone)
    since = midnight(day, timezone)
    existing = session.scalars(
        queries.branch_lesson_meeting(branch.id, since, since + timedelta(days=1))
    ).first()
    if existing is not None:
        return existing
    return plan_meeting(
        session,
        branch,
        MeetingFields(
            kind=MeetingKind.LESSON,
            title=lesson.title,
            planned_at=lesson.starts_at,
            place=str(_l("Live lesson")),
            lecturer_name=lesson.lecturer_name,
            agenda=lesson.description[:2000],
        ),
        by=by,
        now=now,
    )


def schedule_lesson(
    session: Session,
    committee: OrgUnit,
    fields: LessonFields,
    *,
    host_branch: OrgUnit | None = None,
    by: User,
    now: datetime,
) -> LiveLesson:
    """A new lesson of ``committee`` (for ``host_branch`` only, when a secretary schedules)."""
    _check(committee, fields, host_branch)
    lesson = LiveLesson(
        committee_id=committee.id,
        committee=committee,
        host_branch_id=host_branch.id if host_branch is not None else None,
        host_branch=host_branch,
        title=fields.title.strip(),
        lecturer_name=fields.lecturer_name.strip()[:64],
        description=fields.description.strip(),
        starts_at=as_utc(fields.starts_at),
        planned_end_at=as_utc(fields.planned_end_at),
        stream_url=check_media_url(fields.stream_url),
        threshold_percent=fields.threshold_percent,
        replay_url=check_media_url(fields.replay_url),
        makeup_until=as_utc(fields.makeup_until) if fields.makeup_until else None,
        seq=0,
        created_by_id=by.id,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(lesson)
    session.flush()
    seen: set[int] = set()
    for branch in fields.branches:
        if branch.id in seen:
            continue
        seen.add(branch.id)
        meeting = _branch_meeting(session, lesson, branch, by=by, now=now)
        lesson.invitations.append(
            LiveInvitation(
                branch_id=branch.id,
                branch=branch,
                is_guest=branch.committee_id != committee.id,
                meeting_id=meeting.id,
            )
        )
    for user in {u.id: u for u in fields.moderators}.values():
        lesson.moderators.append(LiveModerator(user_id=user.id))
    session.flush()
    return lesson


def end_lesson(session: Session, lesson: LiveLesson, *, now: datetime) -> None:
    """The host ends the lesson now (before its planned end, or confirms it)."""
    if lesson.ended_at is not None:
        raise Closed(_l("The lesson has ended already."))
    if now < as_utc(lesson.starts_at):
        raise InvalidInput(_l("The lesson has not started yet."))
    lesson.ended_at = now
    lesson.updated_at = now
    session.flush()


def set_replay(
    session: Session,
    lesson: LiveLesson,
    *,
    replay_url: str | None,
    makeup_until: datetime | None,
    now: datetime,
) -> None:
    """The recording for the replay and the deadline for 补学 by replay."""
    if makeup_until is not None and as_utc(makeup_until) <= as_utc(lesson.ends_at):
        raise InvalidInput(_l("The 补学 deadline must be after the end of the lesson."))
    lesson.replay_url = check_media_url(replay_url)
    lesson.makeup_until = as_utc(makeup_until) if makeup_until else None
    lesson.updated_at = now
    session.flush()


def video_key(lesson: LiveLesson, data: bytes) -> tuple[str, str]:
    """The storage key and type of an uploaded recording (MP4 or WebM, by its content)."""
    if len(data) > VIDEO_MAX_BYTES:
        raise InvalidInput(_l("The video is too large (500 MB at most)."))
    if data[4:8] == b"ftyp":
        ext = "mp4"
    elif data[:4] == b"\x1a\x45\xdf\xa3":
        ext = "webm"
    else:
        raise InvalidInput(_l("Upload an MP4 or WebM video."))
    digest = hashlib.sha256(data).hexdigest()
    return f"live/{lesson.committee_id}/{digest}.{ext}", VIDEO_TYPES[ext]


def attach_video(
    session: Session, lesson: LiveLesson, *, key: str, mime: str, now: datetime
) -> None:
    """Use the stored video ``key`` as the lesson's recording (and its replay)."""
    lesson.video_key = key
    lesson.video_mime = mime
    lesson.updated_at = now
    session.flush()
