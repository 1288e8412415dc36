"""The help pages: what members, branch secretaries and committee staff do, and how.

Open to everyone, logged in or not (the login page links to the members' part).
The text is in ``templates/help/``, translated through the catalogues like every
other page.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.get("/")
def index():
    return render_template("help/index.html")


@bp.get("/member")
def member():
    return render_template("help/member.html")


@bp.get("/secretary")
def secretary():
    return render_template("help/secretary.html")


@bp.get("/staff")
def staff():
    return render_template("help/staff.html")
