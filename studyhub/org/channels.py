"""A branch's group chat robots (WeCom, DingTalk, Feishu): set up by its secretary or staff.

The webhook address and the secret are credentials: the page shows them masked and an
empty field on save keeps the stored value. Posting is the outbox's job (``notify``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional, ValidationError

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.notify import services as notify
from studyhub.notify.channels import is_webhook_url, mask
from studyhub.notify.models import BranchChannel, ChannelKind
from studyhub.org import access
from studyhub.org.auditing import record_settings_change
from studyhub.org.models import OrgUnit, UnitKind

bp = Blueprint("channels", __name__, url_prefix="/org/units")

KIND_LABELS = {
    ChannelKind.WECOM: _l("WeCom group robot"),
    ChannelKind.DINGTALK: _l("DingTalk group robot"),
    ChannelKind.FEISHU: _l("Feishu group bot"),
}


class ChannelForm(FlaskForm):
    kind = SelectField(
        _l("Platform"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    webhook_url = StringField(_l("Webhook address"), validators=[Optional(), Length(max=500)])
    secret = PasswordField(_l("Signing secret"), validators=[Optional(), Length(max=200)])
    is_active = BooleanField(_l("Post reminders to this group"), default=True)
    save = SubmitField(_l("Save"))
    remove = SubmitField(_l("Remove"))
    test = SubmitField(_l("Send a test message"))

    def validate_webhook_url(self, field) -> None:
        try:
            kind = ChannelKind(self.kind.data)
        except ValueError:
            return  # the kind's own check says so
        if field.data and not is_webhook_url(field.data.strip(), kind):
            raise ValidationError(_("Enter the robot's https address as the platform shows it."))


def _branch(unit_id: int) -> OrgUnit:
    branch = db.get_or_404(OrgUnit, unit_id)
    if branch.kind != UnitKind.BRANCH:
        abort(404)
    grants = access.grants()
    if not (
        any(s.unit_id == branch.id for s in grants.led_units)
        or access.can_manage_unit(grants, branch)
    ):
        abort(403)
    return branch


@bp.get("/<int:unit_id>/channels")
@login_required
def channels(unit_id: int):
    branch = _branch(unit_id)
    return _page(branch, ChannelForm())


def _page(branch: OrgUnit, form: ChannelForm, status: int = 200):
    rows = notify.channels_of(db.session, branch.id)
    return (
        render_template(
            "org/channels.html",
            branch=branch,
            form=form,
            rows=rows,
            last=notify.last_deliveries(db.session, [row.id for row in rows]),
            labels=KIND_LABELS,
            mask=mask,
        ),
        status,
    )


@bp.post("/<int:unit_id>/channels")
@login_required
def save_channel(unit_id: int):
    branch = _branch(unit_id)
    form = ChannelForm()
    if not form.validate_on_submit():
        return _page(branch, form, 400)
    now = clock.now_utc()
    kind = ChannelKind(form.kind.data)
    existing = db.session.scalar(
        db.select(BranchChannel).where(
            BranchChannel.branch_id == branch.id, BranchChannel.kind == kind
        )
    )
    if form.remove.data:
        if existing is not None:
            notify.remove_channel(db.session, existing)
            _record(branch, kind, {"robot": [kind.value, None]}, now=now)
            flash(_("The group robot was removed."), "success")
    elif form.test.data:
        if existing is None:
            abort(404)
        notify.post_to_branch(
            db.session,
            branch.id,
            text=_("StudyHub test message for %(branch)s.", branch=branch.name),
            link=None,
            dedupe_key=f"test:{now.isoformat()}",
            now=now,
        )
        flash(_("A test message is on its way to the group."), "success")
    else:
        url = (form.webhook_url.data or "").strip()
        if existing is None and not url:
            form.webhook_url.errors.append(_("Enter the robot's webhook address."))
            return _page(branch, form, 400)
        before = _audited(existing)
        saved = notify.save_channel(
            db.session,
            branch.id,
            kind,
            webhook_url=url or None,
            secret=(form.secret.data or "").strip() or None,
            is_active=form.is_active.data,
            by_user_id=current_user.id,
            now=now,
        )
        after = _audited(saved)
        _record(
            branch,
            kind,
            {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
            now=now,
        )
        flash(_("The group robot was saved."), "success")
    return redirect(url_for("channels.channels", unit_id=branch.id))


def _audited(channel: BranchChannel | None) -> dict[str, object]:
    """What the audit log keeps of a robot: never its credentials, only their masked ends."""
    if channel is None:
        return {}
    return {
        "robot": channel.kind.value,
        "webhook_url": mask(channel.webhook_url, 6),
        "secret": mask(channel.secret) or None,
        "is_active": channel.is_active,
    }


def _record(branch: OrgUnit, kind: ChannelKind, changes: dict, *, now) -> None:
    record_settings_change(
        db.session, branch, "group_robot.changed", changes, actor_id=current_user.id, now=now
    )
