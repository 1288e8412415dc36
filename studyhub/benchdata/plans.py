"""Synthetic study data for ``studyhub gen-data``: a quarter of readings, receipts and a plan.

The generated committee gets a reading of the day for every day of the current
quarter so far, :data:`MATERIALS` library readings, and a published plan for
the quarter given to the whole committee with those readings as materials and
— when the quizzes step made exams — the latest exam as its test (its attempts
are the quizzes step's). Each member has a fixed engagement (how likely they
study a reading), so receipts spread from members who study every day to those
who never do, and branches differ. Receipts are made by the database itself,
``INSERT … SELECT`` over :data:`MEMBER_BATCH` members at a time, each decision
taken by integer arithmetic on ids and the seed, so no receipt passes through
Python and memory stays flat (the members' ids are the one list held).
Publishing writes no messages: nobody reads the benchmark's inboxes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Insert,
    Select,
    Subquery,
    Table,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from studyhub.accounts.models import User
from studyhub.core.clock import local_date
from studyhub.org.models import Member, OrgUnit
from studyhub.plans.models import (
    PlanExtension,
    PlanMaterial,
    PlanReminder,
    PlanTarget,
    StudyPlan,
)
from studyhub.plans.services.plans import default_title, quarter_of
from studyhub.quizzes.models import Quiz, QuizMode
from studyhub.readings.models import Reading, ReadReceipt
from studyhub.readings.services.library import start_of_day

MATERIALS = 4
MEMBER_BATCH = 5000
READING_SECONDS = 180
MIN_SECONDS = 60
BODY = "认真学习党章党规，学思用贯通、知信行统一。"


class Gen(Protocol):
    """What the step needs of ``studyhub.benchdata.generation.Generation``."""

    session: Session
    committee: OrgUnit
    seed: int
    members: int
    now: datetime

    def rng(self, label: str) -> random.Random: ...

    def serial(self, phone: ColumnElement[str]) -> ColumnElement[int]: ...

    def analyze(self, *tables: Table) -> None: ...


def size(gen: Gen) -> int:
    """The step's work for the progress bar: the members whose receipts are written."""
    return gen.members


def quarter_days(today: date) -> list[date]:
    """The days of ``today``'s calendar quarter up to ``today``."""
    year, quarter = quarter_of(today)
    day = date(year, 3 * (quarter - 1) + 1, 1)
    return [day + timedelta(days=n) for n in range((today - day).days + 1)]


def reading_row(gen: Gen, title: str, published_at: datetime, daily_on: date | None) -> dict:
    return {
        "committee_id": gen.committee.id,
        "title": title,
        "author": "",
        "source": "",
        "summary": "",
        "body_markdown": BODY,
        "body_html": f"<p>{BODY}</p>",
        "body_text": BODY,
        "char_count": len(BODY),
        "reading_seconds": READING_SECONDS,
        "min_seconds": MIN_SECONDS,
        "daily_on": daily_on,
        "published_at": published_at,
        "created_at": published_at,
        "updated_at": published_at,
    }


def _insert_readings(gen: Gen, days: list[date]) -> list[int]:
    """The readings of the day and the plan's materials; returns the materials' ids."""
    conn = gen.session.connection()
    timezone = gen.committee.timezone
    conn.execute(
        insert(Reading),
        [reading_row(gen, f"每日一读·{d.isoformat()}", start_of_day(d, timezone), d) for d in days],
    )
    insert_readings = insert(Reading).returning(Reading.id, sort_by_parameter_order=True)
    opened = start_of_day(days[0], timezone)
    material_ids = (
        conn.execute(
            insert_readings,
            [reading_row(gen, f"主题学习材料{n}", opened, None) for n in range(1, MATERIALS + 1)],
        )
        .scalars()
        .all()
    )
    return list(material_ids)


def _insert_plan(gen: Gen, today: date, days: list[date], material_ids: list[int]) -> int:
    conn = gen.session.connection()
    year, quarter = quarter_of(today)
    quarter_end = date(year + quarter // 4, quarter % 4 * 3 + 1, 1) - timedelta(days=1)
    published = start_of_day(days[0], gen.committee.timezone)
    quiz_id = gen.session.scalar(
        select(Quiz.id)
        .where(Quiz.committee_id == gen.committee.id, Quiz.mode == QuizMode.EXAM)
        .order_by(Quiz.closes_at.desc(), Quiz.id.desc())
        .limit(1)
    )
    plan_id = conn.execute(
        insert(StudyPlan).returning(StudyPlan.id),
        [
            {
                "committee_id": gen.committee.id,
                "title": default_title(year, quarter),
                "year": year,
                "quarter": quarter,
                "guidance_markdown": BODY,
                "guidance_html": f"<p>{BODY}</p>",
                "quiz_id": quiz_id,
                "starts_on": days[0],
                "due_on": max(today + timedelta(days=1), quarter_end),
                "published_at": published,
                "created_at": published,
                "updated_at": published,
            }
        ],
    ).scalar_one()
    conn.execute(
        insert(PlanMaterial),
        [
            {"plan_id": plan_id, "reading_id": reading_id, "position": position}
            for position, reading_id in enumerate(material_ids, start=1)
        ],
    )
    conn.execute(insert(PlanTarget), [{"plan_id": plan_id, "unit_id": gen.committee.id}])
    return plan_id


# -- receipts, generated in SQL ------------------------------------------------------------
#
# Every receipt is decided by integer arithmetic on the member's and the reading's ids and
# the seed, so ``INSERT … SELECT`` makes them in the database (no row passes through
# Python) and SQLite and PostgreSQL make the same ones.

PRIME = 2_147_483_647  # 2**31 - 1: products of two values below it fit in 64 bits
ENGAGEMENT_SCALE = 10_000
DRAW_SCALE = 1_000_000
FIRST_SECOND = 7 * 3600  # members study between 07:00 and about 22:30, local time
SECOND_STEP = 26
SECOND_STEPS = 2148


def _engagement(user_id: ColumnElement[int], seed: int) -> ColumnElement[int]:
    """How likely a member studies a given reading, fixed per member: 0 to 9,999 for 0 to 0.95."""
    return (user_id * 2_246_822_519 + seed * 31) % ENGAGEMENT_SCALE


def _draw(seed: int, salt: int, *terms: ColumnElement[int]) -> ColumnElement[int]:
    """A pseudo-random value from 0 to 999,999 fixed by ``terms`` (ids), the seed and ``salt``.

    A sum of the terms with large multipliers, squared twice modulo a prime: the squares
    scatter neighbouring ids, so a member's days and a reading's members look random.
    """
    multipliers = (1_103_515_245, 2_654_435_761, 40_503)
    mixed = literal(seed * 7_919 + salt * 104_729, BigInteger)
    for term, multiplier in zip(terms, multipliers, strict=False):
        mixed = mixed + term * multiplier
    mixed = mixed % PRIME
    for constant in (12_345, 67_890):
        mixed = (mixed * mixed + constant) % PRIME
    return mixed % DRAW_SCALE


def _second_of_day(user_id: ColumnElement[int], key: ColumnElement[int]) -> ColumnElement[int]:
    """When in the day a receipt's reading was finished: seconds after local midnight."""
    return FIRST_SECOND + (user_id * 7_919 + key * 104_729) % SECOND_STEPS * SECOND_STEP


class plus_seconds(FunctionElement):  # noqa: N801 (an SQL function's name)
    """``moment`` plus ``seconds`` (an integer expression), as the database stores a timestamp."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(plus_seconds)
def _plus_seconds(element, compiler, **kw) -> str:
    moment, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"({moment} + make_interval(secs => {seconds}))"


@compiles(plus_seconds, "sqlite")
def _plus_seconds_sqlite(element, compiler, **kw) -> str:
    # SQLAlchemy stores SQLite timestamps as text with microseconds; keep that form.
    moment, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"(strftime('%Y-%m-%d %H:%M:%S', {moment}, ({seconds}) || ' seconds') || '.000000')"


def _receipt_columns(reading_id, user_id, day_start, second, day) -> list:
    """The values of ``RECEIPT_COLUMNS`` for a reading finished ``second`` after ``day_start``."""
    studied_at = plus_seconds(day_start, second)
    opened_at = plus_seconds(day_start, second - READING_SECONDS)
    return [reading_id, user_id, opened_at, studied_at, READING_SECONDS, true(), studied_at, day]


RECEIPT_COLUMNS = (
    "reading_id",
    "user_id",
    "opened_at",
    "last_seen_at",
    "seconds_spent",
    "reached_end",
    "studied_at",
    "studied_on",
)


def _days(gen: Gen) -> Subquery:
    """The readings of the day with their day's number in the quarter (1, 2, …)."""
    reading = Reading.__table__
    return (
        select(
            reading.c.id,
            reading.c.published_at,
            reading.c.daily_on,
            func.row_number().over(order_by=reading.c.daily_on).label("number"),
        )
        .where(reading.c.committee_id == gen.committee.id, reading.c.daily_on.is_not(None))
        .subquery("day")
    )


def _members(gen: Gen, first_id: int, last_id: int) -> tuple[Select, ColumnElement[int]]:
    """The members whose ids run from first to last, and each one's serial number (1, 2, …):
    draws depend on serial numbers and days, never on row ids, so a seed gives the same
    receipts whatever ids the database hands out."""
    member, user = Member.__table__, User.__table__
    serial = gen.serial(user.c.phone)
    chosen = (
        select(member.c.user_id)
        .join_from(member, user, user.c.id == member.c.user_id)
        .where(member.c.committee_id == gen.committee.id, member.c.id.between(first_id, last_id))
    )
    return chosen, serial


def _daily_receipts(gen: Gen, first_id: int, last_id: int) -> Insert:
    """The readings of the day studied by the members whose ids run from first to last."""
    members, serial = _members(gen, first_id, last_id)
    day = _days(gen)
    number = cast(day.c.number, BigInteger)
    second = _second_of_day(serial, number)
    user_id = Member.__table__.c.user_id
    chosen = (
        members.with_only_columns(
            *_receipt_columns(day.c.id, user_id, day.c.published_at, second, day.c.daily_on)
        )
        .join(day, true())
        .where(
            _draw(gen.seed, 1, serial, number) < _engagement(serial, gen.seed) * 95,
            plus_seconds(day.c.published_at, second) < literal(gen.now, DateTime(timezone=True)),
        )
    )
    return insert(ReadReceipt).from_select(list(RECEIPT_COLUMNS), chosen)


def _material_receipts(gen: Gen, plan_id: int, days: int, first_id: int, last_id: int) -> Insert:
    """The plan's materials studied by the members whose ids run from first to last.

    A member goes on to the next material with a chance of their engagement plus 0.05,
    so they study the first k materials with that chance to the power k (one draw
    decides how far they get), and reach material k on a day of the k-th of
    ``MATERIALS + 1`` stretches of the quarter so far.
    """
    members, serial = _members(gen, first_id, last_id)
    material = PlanMaterial.__table__
    day = _days(gen)
    position = cast(material.c.position, BigInteger)
    goes_on = (_engagement(serial, gen.seed) * 95 + 50_000) / float(DRAW_SCALE)
    reach = {k: goes_on for k in range(1, MATERIALS + 1)}
    for k in range(2, MATERIALS + 1):
        reach[k] = reach[k - 1] * goes_on
    reached = _draw(gen.seed, 2, serial) / float(DRAW_SCALE) < case(reach, value=position)
    stretch = (serial * 31_337 + position * 7_919) % 1_000
    day_number = 1 + days * ((position - 1) * 1_000 + stretch) // ((MATERIALS + 1) * 1_000)
    second = _second_of_day(serial, position)
    user_id = Member.__table__.c.user_id
    chosen = (
        members.with_only_columns(
            *_receipt_columns(
                material.c.reading_id, user_id, day.c.published_at, second, day.c.daily_on
            )
        )
        .join(material, material.c.plan_id == plan_id)
        .join(day, day.c.number == day_number)
        .where(
            reached,
            plus_seconds(day.c.published_at, second) < literal(gen.now, DateTime(timezone=True)),
        )
    )
    return insert(ReadReceipt).from_select(list(RECEIPT_COLUMNS), chosen)


def _insert_receipts(gen: Gen, plan_id: int, days: int, advance: Callable[[int], None]) -> None:
    """Both kinds of receipt, :data:`MEMBER_BATCH` members per statement."""
    session = gen.session
    member_ids = list(
        session.scalars(
            select(Member.id).where(Member.committee_id == gen.committee.id).order_by(Member.id)
        )
    )
    gen.analyze(Member.__table__, User.__table__, Reading.__table__, PlanMaterial.__table__)
    conn = session.connection()
    for start in range(0, len(member_ids), MEMBER_BATCH):
        batch = member_ids[start : start + MEMBER_BATCH]
        conn.execute(_daily_receipts(gen, batch[0], batch[-1]))
        conn.execute(_material_receipts(gen, plan_id, days, batch[0], batch[-1]))
        advance(len(batch))


def run(gen: Gen, advance: Callable[[int], None]) -> None:
    """Readings of the quarter, the plan and the receipts (see the module's docstring)."""
    today = local_date(gen.now, gen.committee.timezone)
    days = quarter_days(today)
    material_ids = _insert_readings(gen, days)
    plan_id = _insert_plan(gen, today, days, material_ids)
    _insert_receipts(gen, plan_id, len(days), advance)


def clear(session: Session, committee: OrgUnit, seed: int) -> None:
    """Delete the committee's plans, readings and receipts (for ``--replace``)."""
    plans = select(StudyPlan.id).where(StudyPlan.committee_id == committee.id)
    readings = select(Reading.id).where(Reading.committee_id == committee.id)
    for stmt in (
        delete(PlanReminder).where(PlanReminder.plan_id.in_(plans)),
        delete(PlanExtension).where(PlanExtension.plan_id.in_(plans)),
        delete(PlanTarget).where(PlanTarget.plan_id.in_(plans)),
        delete(PlanMaterial).where(PlanMaterial.plan_id.in_(plans)),
        delete(StudyPlan).where(StudyPlan.committee_id == committee.id),
        delete(ReadReceipt).where(ReadReceipt.reading_id.in_(readings)),
        delete(Reading).where(Reading.committee_id == committee.id),
    ):
        session.execute(stmt.execution_options(synchronize_session=False))
