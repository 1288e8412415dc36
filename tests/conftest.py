"""Fixtures: the app per database, a rolled-back session per test, factories, logins.

Every test runs on SQLite; when ``STUDYHUB_TEST_DATABASE_URL`` is set it runs on
that database (PostgreSQL in CI) as well. The schema is built by the Alembic
migrations, so every run also checks that they work.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.orm import Session as PlainSession
from sqlalchemy.orm import scoped_session, sessionmaker

from studyhub import create_app
from studyhub.accounts.models import User
from studyhub.accounts.services import hash_password, start_session
from studyhub.core.schema import drop_all_tables
from studyhub.extensions import db, limiter
from studyhub.org import services as org
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, UnitKind

NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
# Where the test process's clock starts, whatever the wall clock says, and ticks on
# from: 10:30 in Asia/Shanghai, far from any midnight, a few days after NOW (as when
# the tests were written). Services get ``now=`` passed; this is for the code that
# reads the clock itself (views, the browser tests' server, the demo data).
TEST_START = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
PASSWORD = "secret123"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

DATABASES = ["sqlite"]
if os.environ.get("STUDYHUB_TEST_DATABASE_URL"):
    DATABASES.append("postgresql")


def pytest_configure(config: pytest.Config) -> None:
    """Move the clock to :data:`TEST_START` before any test module is imported."""
    traveller = time_machine.travel(TEST_START, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def shared_data(relative: str) -> Path:
    """A file of ../shared/data, or skip the test with a clear message when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(
            f"shared test data missing: ../shared/data/{relative} (see shared/data/README.md)"
        )
    return path


def reset_schema(app: Flask) -> None:
    """Drop everything in the test database and build it again with the migrations."""
    with app.app_context():
        drop_all_tables(db.engine)
        upgrade()
        db.engine.dispose()


def database_url(kind: str, tmp_dir: Path) -> str:
    if kind == "postgresql":
        return os.environ["STUDYHUB_TEST_DATABASE_URL"]
    return f"sqlite:///{tmp_dir / 'test.sqlite'}"


@pytest.fixture(scope="session", params=DATABASES)
def app(request, tmp_path_factory) -> Iterator[Flask]:
    tmp_dir = tmp_path_factory.mktemp(f"db-{request.param}")
    os.environ["STUDYHUB_INSTANCE_PATH"] = str(tmp_dir / "instance")
    app = create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url(request.param, tmp_dir)}
    )
    reset_schema(app)
    app.test_client_class = FreshContextClient
    app.test_cli_runner_class = CommittingCliRunner
    yield app
    with app.app_context():
        db.engine.dispose()


class TestScopedSession(scoped_session):
    """One session for the whole test, so objects a test holds stay attached.

    The app removes its session when each request's app context ends; here
    that only expires the objects, as a new session in production would
    reload them.
    """

    def remove(self) -> None:
        self.registry().expire_all()

    def close_for_real(self) -> None:
        super().remove()


def _commit_the_setup() -> None:
    """What the test set up is committed data for the request or command that follows:
    that unit of work commits or rolls back only its own changes, as in production."""
    if isinstance(db.session, TestScopedSession):
        db.session.commit()


class CommittingCliRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        _commit_the_setup()
        return super().invoke(*args, **kwargs)


class FreshContextClient(FlaskClient):
    """Gives every request its own app context (and so its own ``g``).

    Without this a request would reuse the app context that the test pushed,
    and flask-login's cached user would leak from one client to another.
    """

    def open(self, *args, **kwargs):
        _commit_the_setup()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def session(app: Flask) -> Iterator[PlainSession]:
    """The app's ``db.session`` for one test, inside a transaction rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = TestScopedSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        limiter.reset()
        try:
            yield db.session
        finally:
            db.session.close_for_real()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def in_english(request: pytest.FixtureRequest) -> Iterator[None]:
    """For tests that read the English UI text (Chinese is the default language).

    The test client's browser prefers English, and code run in the test's own
    app context (services, commands) uses English too. Pure tests without an
    app context read the English msgids anyway.
    """
    if "client" in request.fixturenames:
        request.getfixturevalue("client").environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if "session" in request.fixturenames:
        request.getfixturevalue("session")
    with force_locale("en"):
        yield


@pytest.fixture
def count_queries(app: Flask, session) -> Callable[[], Iterator[list[str]]]:
    """``with count_queries() as statements:`` collects the SQL run inside the block."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counter


_serial = itertools.count(1)


class Factory:
    """Builds organisations and people through the real services."""

    def __init__(self, session: PlainSession, app: Flask) -> None:
        self.session = session
        self.method = app.config["PASSWORD_HASH_METHOD"]

    def committee(self, name: str | None = None) -> OrgUnit:
        return org.create_committee(
            self.session, name or f"党委{next(_serial)}", now=NOW, timezone="Asia/Shanghai"
        )

    def unit(
        self, parent: OrgUnit, kind: UnitKind = UnitKind.BRANCH, name: str | None = None
    ) -> OrgUnit:
        return org.create_unit(
            self.session, parent, kind=kind, name=name or f"支部{next(_serial)}", now=NOW
        )

    def branch(self, committee: OrgUnit | None = None, name: str | None = None) -> OrgUnit:
        return self.unit(committee or self.committee(), UnitKind.BRANCH, name)

    def member(
        self,
        branch: OrgUnit | None = None,
        *,
        name: str | None = None,
        group: OrgUnit | None = None,
        role: Role | None = None,
        role_unit: OrgUnit | None = None,
        must_change_password: bool = False,
        password: str | None = PASSWORD,
        status: MemberStatus = MemberStatus.FULL,
    ) -> Member:
        """A member; ``password=None`` leaves the account not activated (no usable password)."""
        branch = branch or self.branch()
        n = next(_serial)
        member = org.add_member(
            self.session,
            branch,
            org.MemberFields(
                name=name or f"党员{n}",
                phone=f"139{n:08d}",
                member_no=f"T{n:06d}",
                status=status,
                joined_on=date(2001, 7, 1),
            ),
            group=group,
            now=NOW,
            password_hash=None if password is None else self._hash(password),
        )
        member.user.must_change_password = must_change_password
        if role is not None:
            org.appoint(self.session, member.user, role_unit or branch, role, by=None, now=NOW)
        self.session.flush()
        return member

    def admin(self, password: str = PASSWORD) -> User:
        n = next(_serial)
        user = User(
            name=f"管理员{n}",
            member_no=f"admin{n}",
            password_hash=self._hash(password),
            must_change_password=False,
            is_admin=True,
            created_at=NOW,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def _hash(self, password: str) -> str:
        return hash_password(password, method=self.method)


@pytest.fixture
def make(session, app) -> Factory:
    return Factory(session, app)


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Log ``user`` into the test client without going through the login form."""

    def do_login(user: User, c: FlaskClient | None = None) -> FlaskClient:
        c = c or client
        # A remembered login (no idle limit) that outlives any clock a test sets; committed
        # (to the test's savepoint) so that a request that fails and rolls back keeps it.
        start_session(user, now=NOW, lifetime=timedelta(days=36500), is_remembered=True)
        db.session.commit()
        with c.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        return c

    return do_login


@pytest.fixture(autouse=True)
def _forget_committee_days() -> Iterator[None]:
    """The home page keeps each committee's reading of the day and 党史今天 per process
    (readings.services.today); rolled-back databases reuse ids, so each test starts afresh."""
    from studyhub.readings.services import today

    today.clear()
    yield


@pytest.fixture(autouse=True)
def _forget_prepared_questions() -> Iterator[None]:
    """The attempt page keeps question versions prepared per process, by id (immutable in
    production); every test's rolled-back database reuses ids, so each starts afresh."""
    from studyhub.quizzes.services.sheets import clear_sheets
    from studyhub.quizzes.views.screens import clear_skeletons

    clear_sheets()
    clear_skeletons()
    yield
