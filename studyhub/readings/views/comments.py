"""Readings pages: comments (党建e互动) — post, hide, show again, delete one's own.

Every action is a POST from the reading page and goes back to its comments.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.org.models import Member
from studyhub.org.queries import member_of_user
from studyhub.readings import access
from studyhub.readings.models import Comment, Reading
from studyhub.readings.services import comments
from studyhub.readings.views import bp
from studyhub.web.saving import committed, run_button


class CommentForm(FlaskForm):
    # Shape only (the service counts characters after trimming).
    text = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(_l("Write a comment first.")),
            Length(max=comments.MAX_CHARS * 2),
        ],
    )


class HideForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)])


class ConfirmForm(FlaskForm):
    value = HiddenField()


def _comments_url(reading_id: int) -> str:
    return url_for("readings.reading", reading_id=reading_id, _anchor="comments")


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        abort(404)
    return comment


@bp.post("/readings/<int:reading_id>/comments")
@login_required
def add_comment(reading_id: int):
    now = clock.now_utc()
    member: Member | None = db.session.scalars(member_of_user(current_user.id)).first()
    reading = db.session.get(Reading, reading_id)
    if (
        reading is None
        or member is None
        or reading.committee_id != member.committee_id
        or not reading.is_visible(now)
        or reading.branch_id not in (None, member.branch_id)  # another branch's own reading
    ):
        abort(404)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(" ".join(form.text.errors) or _("Write a comment first."), "error")
        return redirect(_comments_url(reading.id))
    limit = comments.RateLimit(
        per_minute=current_app.config["COMMENT_MAX_PER_MINUTE"],
        per_day=current_app.config["COMMENT_MAX_PER_DAY"],
    )
    return run_button(
        lambda: comments.add_comment(
            db.session, reading, member=member, text=form.text.data, now=now, limit=limit
        ),
        _("Your comment was posted."),
        _comments_url(reading.id),
    )


@bp.post("/readings/comments/<int:comment_id>/hide")
@login_required
def hide_comment(comment_id: int):
    comment, _branch = access.load_comment_to_moderate(comment_id)
    form = HideForm()
    if not form.validate_on_submit():
        abort(400)
    return run_button(
        lambda: comments.hide_comment(
            db.session,
            comment,
            by_user_id=current_user.id,
            now=clock.now_utc(),
            reason=form.reason.data or "",
        ),
        _("The comment is hidden from members."),
        _comments_url(comment.reading_id),
    )


@bp.post("/readings/comments/<int:comment_id>/unhide")
@login_required
def unhide_comment(comment_id: int):
    comment, _branch = access.load_comment_to_moderate(comment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    comments.unhide_comment(db.session, comment, actor_id=current_user.id, now=clock.now_utc())
    return committed(_("The comment is shown again."), _comments_url(comment.reading_id))


@bp.post("/readings/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    comment = _comment(comment_id)
    if comment.user_id != current_user.id:
        raise NotAllowed(_("You can delete only your own comments."))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    comments.delete_own_comment(db.session, comment, user_id=current_user.id, now=clock.now_utc())
    return committed(_("Your comment was deleted."), _comments_url(comment.reading_id))
