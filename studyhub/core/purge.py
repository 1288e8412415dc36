"""Deleting many rows of a table in batches, for the retention jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session


def delete_in_batches(session: Session, model: Any, *conditions: Any, batch: int) -> int:
    """Delete the rows of ``model`` (a mapped class with an integer ``id``) that match
    ``conditions``, ``batch`` at a time; returns how many.

    The batches walk the primary key once (each asks for ids above the last one seen), so
    no statement holds more than ``batch`` rows and a second run finds nothing more.
    """
    deleted, last_id = 0, 0
    while True:
        ids = list(
            session.scalars(
                select(model.id)
                .where(model.id > last_id, *conditions)
                .order_by(model.id)
                .limit(batch)
            )
        )
        if not ids:
            return deleted
        session.execute(delete(model).where(model.id.in_(ids)))
        deleted += len(ids)
        last_id = ids[-1]
