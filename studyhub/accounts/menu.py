"""The account menu (我的): the pages a user reaches from the tab bar's last tab.

Every user's own pages in one list — score, meetings, mistake book, help,
password, the language switch and logging out — so the tab bar can stay at
five tabs on a 360 px phone. The language chosen here is kept on the user
(``User.locale``) and wins over the browser's language.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.accounts import services
from studyhub.accounts.forms import LanguageForm
from studyhub.core.errors import DomainError
from studyhub.notify.panel import ORDER as UNREAD_ORDER
from studyhub.notify.panel import unread_panel
from studyhub.web.home import register_home_panel
from studyhub.web.saving import committed, refused

bp = Blueprint("menu", __name__)

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


@bp.get("/account")
@login_required
def account():
    """The account menu: the user's own pages, the language switch, logging out."""
    languages = current_app.config["LANGUAGES"]
    return render_template(
        "accounts/menu.html",
        languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in languages],
        chosen=current_user.locale,
        form=LanguageForm(),
    )


@bp.post("/account/language")
@login_required
def language():
    """Keep the language the user chose; the next page is in it."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("menu.account")
    try:
        services.choose_language(
            current_user._get_current_object(),
            form.locale.data,
            languages=current_app.config["LANGUAGES"],
        )
    except DomainError as exc:
        return refused(exc, back)
    with force_locale(form.locale.data):  # said in the language just chosen
        message = _("The language is saved.")
    return committed(message, back)


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, UNREAD_ORDER, unread_panel)
