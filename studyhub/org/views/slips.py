"""Activation slips: a branch's printed codes (or one member's), never cached."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    current_app,
    make_response,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.org import access, activation
from studyhub.org.forms import (
    SlipsForm,
)
from studyhub.org.models import (
    OrgUnit,
    UnitKind,
)
from studyhub.org.views.common import bp, grants


def _code_settings() -> dict:
    return {
        "valid_for": timedelta(days=current_app.config["ACTIVATION_CODE_DAYS"]),
        "key": current_app.config["SECRET_KEY"],
    }


def _no_store(body: str):
    """A page that shows activation codes: never kept by the browser or a proxy."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _printed(slip: activation.Slip) -> dict:
    """What a slip shows: the activation link (the code in its fragment) and its QR code."""
    link = url_for("accounts.activate", login=slip.login, _external=True) + "#" + slip.code
    return {
        "name": slip.member.user.name,
        "login": slip.login,
        "code": slip.printed_code,
        "link": link,
        "qr": Markup(activation.qr_svg(link)),
    }


@bp.route("/units/<int:unit_id>/activation-slips", methods=["GET", "POST"])
@login_required
def activation_slips(unit_id: int):
    """A branch's activation slips: the page says how many; printing issues fresh codes."""
    unit = db.get_or_404(OrgUnit, unit_id)
    if unit.kind != UnitKind.BRANCH:
        abort(404)
    if not access.can_print_slips(grants(), unit):
        raise NotAllowed(_("You may not print this branch's activation slips."))
    form = SlipsForm()
    if form.validate_on_submit():
        now = clock.now_utc()
        slips = activation.issue_slips(
            db.session,
            unit,
            everyone=form.everyone.data,
            actor_id=current_user.id,
            now=now,
            **_code_settings(),
        )
        return _no_store(
            render_template(
                "org/activation_slips_print.html",
                unit=unit,
                slips=[_printed(s) for s in slips],
                expires_at=now + _code_settings()["valid_for"],
            )
        )
    return render_template(
        "org/activation_slips.html",
        unit=unit,
        form=form,
        waiting=activation.count_slips(db.session, unit, everyone=False, issuer_id=current_user.id),
        days=current_app.config["ACTIVATION_CODE_DAYS"],
    )
