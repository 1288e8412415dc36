"""Recording that someone downloaded an export (scores, the audit log) in the audit log.

A download carries members' data out of the application, so who took which
file of which unit, and when, is kept like any other privileged act. The view
records it before the file is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from studyhub.audit.models import AuditEntry
from studyhub.org import auditing
from studyhub.org.models import OrgUnit


def record_download(
    session: Session,
    unit: OrgUnit,
    *,
    export: str,
    file_name: str,
    actor_id: int | None,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor_id`` downloaded ``file_name`` (an ``export`` such as "scores")
    of ``unit`` (see :func:`studyhub.org.auditing.record_download`)."""
    return auditing.record_download(
        session,
        unit,
        export=export,
        file_name=file_name,
        actor_id=actor_id,
        now=now,
        details=details,
    )
