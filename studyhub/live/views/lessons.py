"""Lesson pages: list, schedule, the lesson page, replay, end, the recording, the banner."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import segno
from flask import (
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.extensions import db
from studyhub.live import access, queries
from studyhub.live.fanout import channel_token
from studyhub.live.forms import CommentForm, ConfirmForm, LessonForm, ReplayForm
from studyhub.live.models import LiveLesson
from studyhub.live.services import comments, lessons, watching
from studyhub.live.views import (
    FEED_EVERY_MS,
    FEED_SAFETY_MS,
    WATCH_EVERY_SECONDS,
    _load,
    _member,
    _require_watch,
    bp,
)
from studyhub.meetings.forms import to_local, to_utc
from studyhub.org import context
from studyhub.org.access import grants
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.saving import committed, errors_on, run_button
from studyhub.web.security import media_policy
from studyhub.web.storage import current_storage, send_stored

BANNER_BEFORE = timedelta(minutes=30)
HLS_SCRIPT = "vendor/hls.light.min.js"


def _schedulable(g) -> tuple[list[OrgUnit], OrgUnit | None, OrgUnit | None]:
    """(the branches the user may invite, the committee, the host branch for a secretary)."""
    for scope in g.managed_units:
        unit = db.session.get(OrgUnit, scope.unit_id)
        committee = (
            unit if unit.kind == UnitKind.COMMITTEE else db.session.get(OrgUnit, unit.committee_id)
        )
        if committee is not None and access.can_schedule_committee(g, committee):
            branches = db.session.scalars(
                select(OrgUnit)
                .where(
                    OrgUnit.committee_id == committee.id,
                    OrgUnit.kind == UnitKind.BRANCH,
                    OrgUnit.is_active.is_(True),
                )
                .order_by(OrgUnit.path)
            ).all()
            return list(branches), committee, None
    for scope in g.led_units:
        branch = db.session.get(OrgUnit, scope.unit_id)
        if branch.kind == UnitKind.BRANCH and access.can_schedule_branch(g, branch):
            return [branch], db.session.get(OrgUnit, branch.committee_id), branch
    return [], None, None


@bp.get("/")
@login_required
def index():
    g = grants()
    _branches, committee, host_branch = _schedulable(g)
    if committee is not None and host_branch is None:
        rows = db.session.scalars(queries.lessons_of_committee(committee.id).limit(100)).all()
    else:
        member = _member()
        branch_id = host_branch.id if host_branch else (member.branch_id if member else None)
        if branch_id is None:
            abort(404)
        rows = db.session.scalars(queries.lessons_of_branch(branch_id).limit(100)).all()
    return render_template(
        "live/index.html", lessons=rows, can_schedule=committee is not None, now=clock.now_utc()
    )


def _guest_choices(form: LessonForm, committee: OrgUnit) -> list[tuple[int, str]]:
    """The guest list: the branches already ticked, then those the search found."""
    label = "{} · {}"
    ticked = [int(v) for v in request.form.getlist(form.guests.name) if v.isdigit()]
    rows = list(db.session.execute(queries.guest_branches(committee.id, ticked)).all())
    text = (form.guest_query.data or "").strip()
    if text:
        found = db.session.execute(queries.guest_branch_search(committee.id, text)).all()
        rows += [row for row in found if row[0] not in ticked]
    return [(row[0], label.format(row[2], row[1])) for row in rows]


def _moderator_choices(branches: list[OrgUnit]) -> dict[str, list[tuple[int, str]]]:
    """The members of the branches the user may invite, grouped by branch."""
    groups: dict[str, list[tuple[int, str]]] = {}
    rows = db.session.execute(queries.members_of_branches([b.id for b in branches])).all()
    for _member_id, user_id, name, branch_name in rows:
        groups.setdefault(branch_name, []).append((user_id, name))
    return groups


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Schedule a lesson. Staff may also invite branches of other committees: the
    form's "find" button searches them by name and shows the form again."""
    g = grants()
    branches, committee, host_branch = _schedulable(g)
    if committee is None:
        abort(403)
    form = LessonForm()
    form.branches.choices = [(b.id, b.name) for b in branches]
    form.moderators.choices = _moderator_choices(branches)
    is_staff = host_branch is None
    if is_staff:
        form.guests.choices = _guest_choices(form, committee)
    if request.method == "GET" and host_branch is not None:
        form.branches.data = [host_branch.id]
    searching = request.method == "POST" and "find_guests" in request.form
    if not searching and form.validate_on_submit():  # a search shows the form again as typed
        tz = committee.timezone
        with errors_on(form):
            chosen_ids = set(form.branches.data or [])
            chosen = [b for b in branches if b.id in chosen_ids]
            guest_ids = {choice[0] for choice in form.guests.choices}
            picked = [i for i in (form.guests.data or []) if i in guest_ids] if is_staff else []
            guests = db.session.scalars(queries.branches_by_id(picked)).all() if picked else []
            moderators = _moderators(form.moderators.data or [], chosen_ids)
            fields = lessons.LessonFields(
                title=form.title.data,
                lecturer_name=form.lecturer_name.data or "",
                description=form.description.data or "",
                starts_at=to_utc(form.starts_at.data, tz),
                planned_end_at=to_utc(form.planned_end_at.data, tz),
                branches=[*chosen, *guests],
                stream_url=form.stream_url.data,
                threshold_percent=form.threshold_percent.data,
                replay_url=form.replay_url.data,
                makeup_until=to_utc(form.makeup_until.data, tz) if form.makeup_until.data else None,
                moderators=moderators,
            )
            now = clock.now_utc()
            lesson = lessons.schedule_lesson(
                db.session, committee, fields, host_branch=host_branch, by=current_user, now=now
            )
            upload = form.video.data
            if upload:
                data = upload.read()
                key, mime = lessons.video_key(lesson, data)
                current_storage().save(key, data)
                lessons.attach_video(db.session, lesson, key=key, mime=mime, now=now)
            return committed(
                _("The live lesson is scheduled."), url_for("live.lesson", lesson_id=lesson.id)
            )
    return render_template(
        "live/form.html", form=form, committee=committee, is_staff=is_staff, searching=searching
    )


def _moderators(user_ids: list[int], branch_ids: set[int]) -> list[User]:
    """The chosen moderators' accounts; each must be a member of an invited branch."""
    if not user_ids:
        return []
    rows = db.session.execute(queries.members_of_branches(sorted(branch_ids))).all()
    allowed = {row[1] for row in rows}
    if any(user_id not in allowed for user_id in user_ids):
        raise InvalidInput(_("A moderator must be a member of an invited branch."))
    return list(db.session.scalars(select(User).where(User.id.in_(user_ids))).all())


def _channel_base() -> str | None:
    """Where the live channel listens (``LIVE_CHANNEL_URL``), when it runs with Redis."""
    if not current_app.config.get("LIVE_REDIS_URL"):
        return None
    return (current_app.config.get("LIVE_CHANNEL_URL") or "").rstrip("/") or None


def _channel_url(lesson: LiveLesson, moderator: bool) -> str | None:
    base = _channel_base()
    if base is None:
        return None
    token = channel_token(
        current_app.config["SECRET_KEY"],
        user_id=current_user.id,
        lesson_id=lesson.id,
        moderator=moderator,
    )
    return f"{base}/{lesson.id}/events?t={token}"


def _csp(lesson: LiveLesson) -> str:
    urls = (lesson.stream_url, lesson.replay_url)
    channel = lessons.media_origin(_channel_base())
    return media_policy(
        [o for o in map(lessons.media_origin, urls) if o],
        connect=[channel] if channel else [],
    )


def _source(lesson: LiveLesson, now) -> tuple[str | None, str | None]:
    """(the URL the player plays now, its type) — the stream, or the replay after the end."""
    if watching.is_replay_time(lesson, now):
        if lesson.replay_url:
            return lesson.replay_url, None
        if lesson.video_key:
            return url_for("live.video", lesson_id=lesson.id), lesson.video_mime
        return None, None
    if lesson.stream_url:
        return lesson.stream_url, None
    if lesson.video_key:
        return url_for("live.video", lesson_id=lesson.id), lesson.video_mime
    return None, None


@bp.get("/<int:lesson_id>")
@login_required
def lesson(lesson_id: int):
    lesson = _load(lesson_id)
    g = grants()
    _require_watch(g, lesson)
    now = clock.now_utc()
    source, mime = _source(lesson, now)
    has_hls_js = (Path(current_app.static_folder or "") / HLS_SCRIPT).is_file()
    can_moderate = access.can_moderate(g, lesson)
    channel_url = _channel_url(lesson, can_moderate)
    response = current_app.make_response(
        render_template(
            "live/lesson.html",
            lesson=lesson,
            source=source,
            mime=mime,
            is_hls=lessons.is_hls(source),
            hls_script=HLS_SCRIPT if has_hls_js else None,
            is_live=comments.is_on(lesson, now),
            is_replay=watching.is_replay_time(lesson, now),
            can_moderate=can_moderate,
            share_url=url_for("live.lesson", lesson_id=lesson.id, _external=True),
            share_qr=Markup(
                segno.make(
                    url_for("live.lesson", lesson_id=lesson.id, _external=True), error="m"
                ).svg_inline(
                    scale=5, border=2, title=_("Live lesson"), svgclass="qr", omitsize=True
                )
            ),
            channel_url=channel_url,
            can_host=access.can_host(g, lesson),
            is_member=_member() is not None,
            comment_form=CommentForm(),
            replay_form=_replay_form(lesson) if access.can_host(g, lesson) else None,
            confirm=ConfirmForm(),
            feed_every=FEED_SAFETY_MS if channel_url else FEED_EVERY_MS,
            watch_every=1000
            * int(current_app.config.get("LIVE_WATCH_EVERY_SECONDS") or WATCH_EVERY_SECONDS),
            comment_max=comments.MAX_CHARS,
            now=now,
        )
    )
    response.headers["Content-Security-Policy"] = _csp(lesson)
    return response


def _replay_form(lesson: LiveLesson) -> ReplayForm:
    form = ReplayForm()
    if request.method == "GET":
        tz = lesson.committee.timezone
        form.replay_url.data = lesson.replay_url or ""
        form.makeup_until.data = to_local(lesson.makeup_until, tz) if lesson.makeup_until else None
    return form


@bp.post("/<int:lesson_id>/replay")
@login_required
def replay(lesson_id: int):
    """The host sets the replay and the deadline for 补学 by replay."""
    lesson = _load(lesson_id)
    access.require_host(grants(), lesson)
    form = ReplayForm()
    if not form.validate_on_submit():
        abort(400)
    tz = lesson.committee.timezone
    until = to_utc(form.makeup_until.data, tz) if form.makeup_until.data else None
    return run_button(
        lambda: lessons.set_replay(
            db.session,
            lesson,
            replay_url=form.replay_url.data,
            makeup_until=until,
            now=clock.now_utc(),
        ),
        _("The replay is saved."),
        url_for("live.lesson", lesson_id=lesson.id),
    )


@bp.post("/<int:lesson_id>/end")
@login_required
def end(lesson_id: int):
    lesson = _load(lesson_id)
    access.require_host(grants(), lesson)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run_button(
        lambda: lessons.end_lesson(db.session, lesson, now=clock.now_utc()),
        _("The lesson has ended. The attendance is written within a minute."),
        url_for("live.lesson", lesson_id=lesson.id),
    )


@bp.get("/<int:lesson_id>/video")
@login_required
def video(lesson_id: int):
    """The uploaded recording, with range requests (seeking) and conditional requests."""
    lesson = _load(lesson_id)
    _require_watch(grants(), lesson)
    if not lesson.video_key:
        abort(404)
    response = send_stored(
        current_storage(),
        lesson.video_key,
        mimetype=lesson.video_mime or "video/mp4",
        etag=lesson.video_key.rsplit("/", 1)[-1],
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def live_banner(user: Any, now) -> HomePanel | None:
    """The home page's "live now" banner: lessons of the member's branch on now (or soon)."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = context.member()  # the request's member context: no statement of its own
    if member is None:
        return None
    rows = db.session.scalars(
        queries.lessons_for_branch(member.branch_id, now, now + BANNER_BEFORE)
    ).all()
    if not rows:
        return None
    return HomePanel(
        template="live/panels/banner.html",
        context={"rows": [(row, as_utc(row.starts_at) <= now) for row in rows]},
    )


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, 5, live_banner)
