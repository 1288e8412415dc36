"""The readings blueprint; each submodule adds the pages of one concern.

``library``, ``columns``, ``images``, ``history`` (staff: write, schedule, publish, columns,
images, 党史今天),
``member`` (the reading page, receipts and beacons, the archive, history),
``rota`` (lead readers and reflections), ``comments`` (comments and moderation).
"""

from flask import Blueprint

bp = Blueprint("readings", __name__)

from studyhub.readings.views import (  # noqa: E402, F401
    columns,
    comments,
    history,
    images,
    library,
    member,
    publishing,
    rota,
    shelf,
    study,
)
