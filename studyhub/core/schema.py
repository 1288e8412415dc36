"""Dropping a database's tables, whatever revision of the schema it is at."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine


def drop_all_tables(engine: Engine) -> None:
    """Drop every table the database has (including ``alembic_version``).

    The tables are reflected rather than taken from the models, so a database
    built by an older migration (or by none) is dropped cleanly too.
    """
    metadata = MetaData()
    metadata.reflect(bind=engine)
    metadata.drop_all(bind=engine)
