"""The in-app inbox."""

from flask import Blueprint

bp = Blueprint("notify", __name__, url_prefix="/inbox")
