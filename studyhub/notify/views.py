"""The in-app inbox. (The header's unread count comes with the request's first
statement: ``org.context``.)"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.notify import queries, services, texts
from studyhub.notify.forms import KIND_LABELS, MarkAllReadForm, preferences_form
from studyhub.notify.mail import is_local_path, is_web_url, mail_enabled
from studyhub.notify.sms import sms_enabled
from studyhub.web.pagination import paginate
from studyhub.web.saving import begin_writing

bp = Blueprint("notify", __name__, url_prefix="/inbox")

PER_PAGE = 20


@bp.app_template_filter("message_text")
def message_text(message) -> tuple[str, str]:
    """(subject, body) of an inbox message in the reader's language."""
    return texts.render(message)


@bp.get("")
@login_required
def inbox():
    page = paginate(
        db.session, queries.inbox(current_user.id), request.args.get("page", 1, type=int), PER_PAGE
    )
    return render_template("notify/inbox.html", page=page, form=MarkAllReadForm())


@bp.get("/<int:message_id>")
@login_required
def message(message_id: int):
    """Opening a message marks it read, then follows its link when that stays on this site."""
    message = db.first_or_404(queries.own_message(current_user.id, message_id))
    if message.read_at is None:
        # The first open marks it read: this GET goes on as a write unit (see
        # web/saving.py); a message read already is only shown.
        begin_writing()
        services.mark_read(message, now=clock.now_utc())
    if is_local_path(message.link):
        return redirect(message.link)
    return render_template(
        "notify/message.html",
        message=message,
        web_link=message.link if is_web_url(message.link) else None,
    )


@bp.post("/read-all")
@login_required
def mark_all_read():
    if not MarkAllReadForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(db.session, user_id=current_user.id, now=clock.now_utc())
    if count:
        flash(_("%(n)d messages marked as read.", n=count), "success")
    return redirect(url_for("notify.inbox"))


def _shown_channels() -> list[str]:
    """The inbox always; e-mail and SMS only where the site sends them."""
    shown = ["inbox"]
    if mail_enabled(current_app.config):
        shown.append("email")
    if sms_enabled(current_app.config):
        shown.append("sms")
    return shown


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Which reminders the member wants, and where."""
    channels = _shown_channels()
    current = services.preferences_of(db.session, current_user.id)
    form = preferences_form(channels, current)
    if form.validate_on_submit():
        services.set_preferences(
            db.session,
            current_user.id,
            {
                (kind, channel): bool(form[f"{kind}__{channel}"].data)
                for kind in services.REMINDER_KINDS
                for channel in channels
            },
        )
        flash(_("Your reminder choices were saved."), "success")
        return redirect(url_for("notify.preferences"))
    return render_template(
        "notify/preferences.html",
        form=form,
        kinds=services.REMINDER_KINDS,
        channels=channels,
        labels=KIND_LABELS,
    )
