"""The migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from studyhub import create_app, package_folder
from studyhub.extensions import db


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(package_folder("migrations")))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return heads[0]


def test_migrated_schema_matches_the_models(app):
    """The ``app`` fixture's database was built by ``upgrade()``; autogenerate finds nothing."""
    options = {
        key: value
        for key, value in app.extensions["migrate"].configure_args.items()
        if key != "process_revision_directives"
    }
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={**options, "target_metadata": db.metadata}
        )
        differences = compare_metadata(context, db.metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert differences == [], "a model change has no migration:\n" + "\n".join(
        map(str, differences)
    )
    assert version == head_revision()


def test_flask_db_upgrade_builds_an_empty_sqlite_file(tmp_path: Path):
    path = tmp_path / "fresh.sqlite"
    fresh = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    try:
        result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with fresh.app_context():
            tables = set(inspect(db.engine).get_table_names())
            with db.engine.connect() as connection:
                versions = connection.execute(text("SELECT version_num FROM alembic_version"))
                assert [row[0] for row in versions] == [head_revision()]
    finally:
        with fresh.app_context():
            db.engine.dispose()
    assert path.exists()
    assert set(db.metadata.tables) <= tables
    assert {"user", "org_unit", "member", "role_assignment", "alembic_version"} <= tables
