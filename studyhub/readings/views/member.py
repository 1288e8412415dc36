"""Readings pages for members: the reading, its beacons and "已学习", the archive, history.

Also the secretary's table of who studied, and the home page's panel for today.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import access, context
from studyhub.org.access import grants as _grants
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings import queries
from studyhub.readings.forms import FavouriteForm
from studyhub.readings.models import Reading, ReadingColumn, ReadReceipt
from studyhub.readings.services import comments, content, rota, shelf, today, tracking
from studyhub.readings.views import bp, study
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.ids import db_id
from studyhub.web.pagination import paginate
from studyhub.web.related import related_links
from studyhub.web.saving import begin_writing, refused
from studyhub.web.security import media_origins, media_policy

ARCHIVE_PER_PAGE = 20
HISTORY_PER_PAGE = 30
MAX_BEACON_SECONDS = 3600


def reader_of_request() -> tracking.Reader | None:
    """The member as a reader, from the request's member context (no statement of its own)."""
    row = context.member()
    if row is None:
        return None
    return tracking.Reader(
        user_id=row.user_id,
        member_id=row.member_id,
        committee_id=row.committee_id,
        branch_id=row.branch_id,
        timezone=row.timezone,
    )


def _require_reader() -> tracking.Reader:
    """Reading pages are for members; others have no committee's readings to see."""
    reader = reader_of_request()
    if reader is None:
        abort(404)
    return reader


def _visible_reading(reading_id: int, reader: tracking.Reader, now) -> Reading:
    """The reading, if it is the reader's committee's and published by now; else 404.

    Unpublished and scheduled readings answer exactly like missing ones, so a
    guessed URL tells nothing.
    """
    reading = db.session.scalars(queries.reading_page(), {"reading_id": reading_id}).first()
    if reading is None or reading.committee_id != reader.committee_id:
        abort(404)
    if not reading.is_visible(now) or reading.branch_id not in (None, reader.branch_id):
        abort(404)
    return reading


def _visible_reading_and_receipt(
    reading_id: int, reader: tracking.Reader, now
) -> tuple[Reading, ReadReceipt | None, bool, bool]:
    """:func:`_visible_reading`, the reader's receipt of it, their star on it and whether it
    has attachments, in one statement."""
    row = db.session.execute(
        queries.reading_page_and_receipt(),
        {"reading_id": reading_id, "user_id": reader.user_id},
    ).first()
    if row is None or row[0].committee_id != reader.committee_id or not row[0].is_visible(now):
        abort(404)
    if row[0].branch_id not in (None, reader.branch_id):  # another branch's own reading
        abort(404)
    return row[0], row[1], bool(row[2]), bool(row[3])


@bp.app_template_filter("study_time")
def study_time(seconds: int) -> str:
    """The reading time shown wherever a reading is listed (see ``content.StudyTime``).

    Pass ``Reading.min_seconds``: the figure shown is the wait the reading page counts down.
    """
    shown = content.StudyTime(seconds or 0)
    if not shown.is_shown:
        return ""
    if shown.seconds < 60:
        return _("%(seconds)d s", seconds=shown.seconds)
    if shown.is_exact:
        return _("%(n)d minutes", n=shown.minutes)
    return _("About %(minutes)d min", minutes=shown.minutes)


@bp.get("/readings/<int:reading_id>")
@login_required
def reading(reading_id: int):
    now = clock.now_utc()
    reader = _require_reader()
    reading, receipt, starred, has_attachments = _visible_reading_and_receipt(
        reading_id, reader, now
    )
    if receipt is None:
        # The first open starts the receipt: the time a member without JavaScript has
        # read is counted from it. The one GET that writes, once per member and
        # reading: it goes on as a write unit (on SQLite it waits for the write lock,
        # see web/saving.py), every later visit stays a read.
        begin_writing()
        receipt = tracking.open_reading(db.session, reading, user_id=reader.user_id, now=now)[0]
    me = _grants()
    # Only staff can moderate every comment; plain members skip loading the committee.
    committee = db.session.get(OrgUnit, reader.committee_id) if me.manage_paths else None
    page = render_template(
        "readings/reading.html",
        reading=reading,
        receipt=receipt,
        remaining=tracking.remaining_seconds(reading, receipt, now=now),
        is_studied=receipt.studied_at is not None,
        next_steps=related_links(current_app, "studied-reading", reading, current_user),
        comments=comments.comment_section(
            db.session,
            reading,
            viewer_id=reader.user_id,
            committee_id=reader.committee_id,
            can_moderate=committee is not None and access.can_manage_unit(me, committee),
            now=now,
            grants=me,
        ),
        reflection=rota.reflection_section(
            db.session, reading, branch_id=reader.branch_id, viewer_member_id=reader.member_id
        ),
        shelf=shelf.shelf_part(
            db.session, reading, is_favourite=starred, has_attachments=has_attachments
        ),
        favourite_form=FavouriteForm(),
    )
    if not reading.media_kind:
        return page
    # An audio-visual reading plays its media in the page: allow that origin for media only.
    response = current_app.make_response(page)
    response.headers["Content-Security-Policy"] = media_policy(media_origins(reading.media_url))
    return response


def _beacon() -> tuple[int, bool]:
    """(seconds, reached_end) from a form post (sendBeacon) or a JSON body."""
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "get"):
        abort(400)
    try:
        seconds = int(data.get("seconds") or 0)
    except (TypeError, ValueError):
        abort(400)
    reached_end = str(data.get("reached_end", "")).strip().lower() in {"1", "true", "on", "yes"}
    return max(0, min(seconds, MAX_BEACON_SECONDS)), reached_end


@bp.post("/readings/<int:reading_id>/progress")
@login_required
def progress(reading_id: int):
    """The page's beacon: time read since the last one, and whether the end was seen.

    CSRF-protected like every post: the token travels in the body (sendBeacon
    cannot set headers) or, for JSON, in the X-CSRFToken header.
    """
    now = clock.now_utc()
    reader = _require_reader()
    reading = _visible_reading(reading_id, reader, now)
    seconds, reached_end = _beacon()
    result = tracking.record_progress(
        db.session,
        reading,
        user_id=reader.user_id,
        seconds=seconds,
        reached_end=reached_end,
        now=now,
    )
    return jsonify(
        studied=result.is_studied,
        seconds_spent=result.receipt.seconds_spent,
        remaining=result.remaining,
        points=result.points,
    )


@bp.post("/readings/<int:reading_id>/studied")
@login_required
def studied(reading_id: int):
    """The "已学习" button (works without JavaScript: the server counts the time)."""
    now = clock.now_utc()
    reader = _require_reader()
    reading = _visible_reading(reading_id, reader, now)
    try:
        result = tracking.mark_studied(db.session, reading, user_id=reader.user_id, now=now)
    except DomainError as exc:
        return refused(exc, url_for("readings.reading", reading_id=reading.id))
    if result.newly_studied:
        if result.points:
            flash(
                _("Well done: studied, %(points)d points earned.", points=result.points), "success"
            )
        else:
            flash(_("Well done: studied."), "success")
    return redirect(url_for("readings.reading", reading_id=reading.id))


@bp.get("/readings/archive")
@login_required
def archive():
    """Past readings of the day by date, or one column's readings; paginated."""
    now = clock.now_utc()
    reader = _require_reader()
    column_id = request.args.get("column", type=db_id)
    column = None
    if column_id is not None:
        column = db.session.get(ReadingColumn, column_id)
        if column is None or column.committee_id != reader.committee_id:
            abort(404)
        stmt = queries.column_archive(reader.committee_id, column.id, now)
    else:
        stmt = queries.daily_archive(reader.committee_id, now)
    page = paginate(db.session, stmt, request.args.get("page", 1, type=int), ARCHIVE_PER_PAGE)
    ids = [r.id for r in page.items]
    studied_ids = (
        set(db.session.scalars(queries.studied_among(reader.user_id, ids))) if ids else set()
    )
    columns = list(db.session.execute(queries.archive_columns(reader.committee_id, now)))
    return render_template(
        "readings/archive.html",
        page=page,
        column=column,
        columns=columns,
        studied_ids=studied_ids,
        branch_id=reader.branch_id,
    )


@bp.get("/readings/this-day")
@login_required
def this_day():
    """党史今天: every entry for today's month and day, or for ``?date=YYYY-MM-DD``'s."""
    now = clock.now_utc()
    reader = _require_reader()
    day = reader.today(now)
    if "date" in request.args:
        try:
            day = date.fromisoformat(request.args["date"])
        except ValueError:
            abort(404)
    entries = list(db.session.scalars(queries.history_on(reader.committee_id, day.month, day.day)))
    return render_template("readings/archive_this_day.html", day=day, entries=entries)


@bp.get("/readings/mine")
@login_required
def my_history():
    """The member's own readings: opened, time spent, studied; with streak and points."""
    now = clock.now_utc()
    reader = _require_reader()
    page_no = request.args.get("page", 1, type=int)
    page = tracking.history_page(db.session, reader, page=page_no, per_page=HISTORY_PER_PAGE)
    summary = tracking.points_summary(db.session, reader, now=now)
    return render_template("readings/my_history.html", page=page, summary=summary)


@bp.get("/readings/branches/<int:unit_id>/study")
@login_required
def branch_study(unit_id: int):
    """For the branch's secretary and committee (and staff above): who studied."""
    now = clock.now_utc()
    branch = db.get_or_404(OrgUnit, unit_id)
    if branch.kind != UnitKind.BRANCH:
        abort(404)
    access.require_view_unit(_grants(), branch)
    table = tracking.branch_study(db.session, branch, now=now)
    return study.render_branch_study(branch, table)


def today_panel(user: Any, now) -> HomePanel | None:
    """The home page's panel: today's reading, 党史今天, streak, points and what is due."""
    if not getattr(user, "is_authenticated", False):
        return None
    reader = reader_of_request()
    if reader is None:
        return None
    found = today.today_for(db.session, reader, now=now)
    g.lead_duty = found.duty  # asked with the rest: the lead panel needs no statement
    return HomePanel(template="readings/panels/today.html", context={"today": found})


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, 10, today_panel)
