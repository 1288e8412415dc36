"""Synthetic study data for ``studyhub gen-data``: a quarter of readings, receipts and a plan.

The generated committee gets a reading of the day for every day of the current
quarter so far, :data:`MATERIALS` library readings, and a published plan for
the quarter given to the whole committee with those readings as materials and
— when the quizzes step made exams — the latest exam as its test (its attempts
are the quizzes step's). Each member has a fixed engagement (how likely they
study a reading), so receipts spread from members who study every day to those
who never do, and branches differ. Receipts go in with ``COPY`` (PostgreSQL) or
an executemany in batches of :data:`RECEIPT_BATCH` rows; memory stays flat (the members' user
ids are the one list held). Publishing writes no messages: nobody reads the
benchmark's inboxes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

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
MEMBER_BATCH = 1000
RECEIPT_BATCH = 5000
READING_SECONDS = 180
MIN_SECONDS = 60
BODY = "认真学习党章党规，学思用贯通、知信行统一。"


class Gen(Protocol):
    """What the step needs of ``studyhub.gendata.Generation``."""

    session: Session
    committee: OrgUnit
    seed: int
    members: int
    now: datetime

    def rng(self, label: str) -> random.Random: ...


def size(gen: Gen) -> int:
    """The step's work for the progress bar: the members whose receipts are written."""
    return gen.members


def quarter_days(today: date) -> list[date]:
    """The days of ``today``'s calendar quarter up to ``today``."""
    year, quarter = quarter_of(today)
    day = date(year, 3 * (quarter - 1) + 1, 1)
    return [day + timedelta(days=n) for n in range((today - day).days + 1)]


def _reading(gen: Gen, title: str, published_at: datetime, daily_on: date | None) -> dict:
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


def _insert_readings(gen: Gen, days: list[date]) -> tuple[list[tuple[int, date]], list[int]]:
    """The readings of the day (id, day) and the plan's materials (ids)."""
    conn = gen.session.connection()
    timezone = gen.committee.timezone
    insert_readings = insert(Reading).returning(Reading.id, sort_by_parameter_order=True)
    daily_ids = (
        conn.execute(
            insert_readings,
            [
                _reading(gen, f"每日一读·{d.isoformat()}", start_of_day(d, timezone), d)
                for d in days
            ],
        )
        .scalars()
        .all()
    )
    opened = start_of_day(days[0], timezone)
    material_ids = (
        conn.execute(
            insert_readings,
            [_reading(gen, f"主题学习材料{n}", opened, None) for n in range(1, MATERIALS + 1)],
        )
        .scalars()
        .all()
    )
    return list(zip(daily_ids, days, strict=True)), list(material_ids)


def _insert_plan(gen: Gen, today: date, days: list[date], material_ids: list[int]) -> None:
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


def _engagement(user_id: int, seed: int) -> float:
    """How likely a member studies a given reading: fixed per member, from 0 to 0.95."""
    return ((user_id * 2246822519 + seed * 31) % 10_000) / 10_000 * 0.95


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


def _receipt(reading_id: int, user_id: int, studied_at: datetime, zone: ZoneInfo) -> tuple:
    opened = studied_at - timedelta(seconds=READING_SECONDS)
    local_day = studied_at.astimezone(zone).date()
    return (reading_id, user_id, opened, studied_at, READING_SECONDS, True, studied_at, local_day)


def _write_receipts(conn: Connection, rows: list[tuple]) -> None:
    """COPY on PostgreSQL (a big multi-row INSERT spends its time in the driver parsing
    parameters); an executemany elsewhere."""
    if conn.dialect.name == "postgresql":
        columns = ", ".join(RECEIPT_COLUMNS)
        copy_sql = f"COPY read_receipt ({columns}) FROM STDIN"
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            # Text lines made here: psycopg's per-value adaptation costs more than the COPY.
            copy.write(
                "".join(
                    f"{r[0]}\t{r[1]}\t{r[2].isoformat()}\t{r[3].isoformat()}\t{r[4]}\t"
                    f"{'t' if r[5] else 'f'}\t{r[6].isoformat()}\t{r[7].isoformat()}\n"
                    for r in rows
                )
            )
        return
    conn.execute(
        insert(ReadReceipt), [dict(zip(RECEIPT_COLUMNS, row, strict=True)) for row in rows]
    )


def _insert_receipts(
    gen: Gen,
    daily: list[tuple[int, date]],
    material_ids: list[int],
    advance: Callable[[int], None],
) -> None:
    session, now = gen.session, gen.now
    conn = session.connection()
    timezone = gen.committee.timezone
    zone = ZoneInfo(timezone)
    rng = gen.rng("plan-receipts")
    starts = {day: start_of_day(day, timezone) for _id, day in daily}
    first = starts[daily[0][1]]
    span = max(1.0, (now - first).total_seconds())
    user_ids = list(
        session.scalars(
            select(Member.user_id)
            .where(Member.committee_id == gen.committee.id)
            .order_by(Member.id)
        )
    )
    rows: list[tuple] = []
    for start in range(0, len(user_ids), MEMBER_BATCH):
        batch = user_ids[start : start + MEMBER_BATCH]
        for user_id in batch:
            p = _engagement(user_id, gen.seed)
            for reading_id, day in daily:
                if rng.random() < p:
                    at = starts[day] + timedelta(hours=rng.uniform(7, 23))
                    if at < now:
                        rows.append(_receipt(reading_id, user_id, at, zone))
            # The materials in order, each while the member keeps going.
            at = first
            for reading_id in material_ids:
                if rng.random() >= p + 0.05:
                    break
                at += timedelta(seconds=rng.uniform(0, span / (MATERIALS + 1)))
                rows.append(_receipt(reading_id, user_id, min(at, now), zone))
            if len(rows) >= RECEIPT_BATCH:
                _write_receipts(conn, rows)
                rows = []
        advance(len(batch))
    if rows:
        _write_receipts(conn, rows)


def run(gen: Gen, advance: Callable[[int], None]) -> None:
    """Readings of the quarter, the plan and the receipts (see the module's docstring)."""
    today = local_date(gen.now, gen.committee.timezone)
    days = quarter_days(today)
    daily, material_ids = _insert_readings(gen, days)
    _insert_plan(gen, today, days, material_ids)
    _insert_receipts(gen, daily, material_ids, advance)


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
