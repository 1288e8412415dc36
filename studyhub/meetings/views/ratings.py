"""民主评议党员: the recorder enters each member's rating (and, if recorded, the votes)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FormField

from studyhub.accounts.models import User
from studyhub.core import clock
from studyhub.extensions import db
from studyhub.meetings import access
from studyhub.meetings.forms import RATING_LABELS, MemberRatingForm
from studyhub.meetings.models import Attendance, MeetingKind, MeetingState, Rating
from studyhub.meetings.services import ratings
from studyhub.meetings.views import bp, meeting_url
from studyhub.web.saving import committed, errors_on


def _form(members: list[tuple[int, str]]) -> FlaskForm:
    class RatingsForm(FlaskForm):
        pass

    for user_id, name in members:
        setattr(RatingsForm, f"m{user_id}", FormField(MemberRatingForm, label=name))
    return RatingsForm()


@bp.route("/<int:meeting_id>/ratings", methods=["GET", "POST"])
@login_required
def ratings_page(meeting_id: int):
    """The roster with a rating per member; saved together, all checked first."""
    meeting = access.load_meeting_to_write(meeting_id)
    if meeting.kind != MeetingKind.DEMOCRATIC_REVIEW:
        return render_template(
            "meetings/ratings.html", meeting=meeting, form=None, editable=False, rows=[]
        )
    members = list(
        db.session.execute(
            select(User.id, User.name)
            .join(Attendance, Attendance.user_id == User.id)
            .where(Attendance.meeting_id == meeting.id)
            .order_by(User.name, User.id)
        )
    )
    stored = ratings.ratings_of(db.session, meeting)
    editable = meeting.state in (MeetingState.HELD, MeetingState.RETURNED)
    form = _form(members)
    if not form.is_submitted():
        form.process(
            data={
                f"m{user_id}": {
                    "rating": row.rating.value,
                    **{k: v for k, v in (row.votes or {}).items()},
                }
                for user_id, row in stored.items()
            }
        )
    if editable and form.validate_on_submit():
        entries = {}
        for user_id, _name in members:
            sub = getattr(form, f"m{user_id}")
            if not sub.rating.data:
                continue
            votes = {
                r: getattr(sub, r.value).data
                for r in Rating
                if getattr(sub, r.value).data is not None
            }
            entries[user_id] = ratings.RatingEntry(Rating(sub.rating.data), votes)
        with errors_on(form):
            ratings.rate_members(db.session, meeting, entries, by=current_user, now=clock.now_utc())
            return committed(_("The ratings are saved."), meeting_url(meeting))
    rows = [
        (user_id, name, getattr(form, f"m{user_id}"), stored.get(user_id))
        for user_id, name in members
    ]
    return render_template(
        "meetings/ratings.html",
        meeting=meeting,
        form=form,
        editable=editable,
        rows=rows,
        labels=RATING_LABELS,
    )
