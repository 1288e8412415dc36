"""The share link's QR code and what a branch's poster says.

The link itself is the plan page's URL (``/plans/<id>``, with ``?branch=<id>``
for a branch), built by the view; opening it asks for a login and lands on
the plan. The QR code is an SVG made by segno, inlined in the poster page so
the poster prints without any other request.
"""

from __future__ import annotations

from datetime import date

import segno
from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.plans import queries
from studyhub.plans.models import StudyPlan

# Medium error correction survives a crease or a smudge on a printed poster.
QR_ERROR = "m"
QR_BORDER = 2


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG that scales to its box (no fixed size)."""
    return segno.make(url, error=QR_ERROR).svg_inline(
        border=QR_BORDER, omitsize=True, svgclass="qr", lineclass=None
    )


def branch_due_on(session: Session, plan: StudyPlan, branch: OrgUnit | None) -> date:
    """The due date the branch's poster shows: the branch's extension, else the plan's."""
    if branch is None:
        return plan.due_on
    extension = session.scalars(queries.extension_for(plan.id, unit_id=branch.id)).first()
    return extension.due_on if extension is not None else plan.due_on
