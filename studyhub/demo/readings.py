"""The demo's readings: the library, readings of the day and the lead-reader rota."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from fpdf.enums import WrapMode
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core import clock
from studyhub.meetings.services.documents import pdf
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.readings.models import Reading
from studyhub.readings.services import history, imports, library, rota, shelf
from studyhub.readings.services.tracking import Reader
from studyhub.web.storage import current_storage

DEMO_DATA = Path(__file__).resolve().parent / "data"

# The demo readings, in the order they become readings of the day from yesterday on;
# the others are published in the library without a day.
DEMO_DAILY_FILES = (
    "01-sanhui-yike.md",
    "08-xianshang-xuexi.md",
    "02-zhibu-dahui.md",
    "04-fazhan-dangyuan.md",
    "06-zhuti-dangri.md",
    "10-zunyi-huiyi.md",
    "05-zuzhi-shenghuohui.md",
)


def load_readings(session: Session, committee: OrgUnit, now: datetime) -> None:
    """Columns, ten readings (seven of them the readings of yesterday to five days on)
    and the shared 党史今天 set, through the same services as the import commands."""
    config = current_app.config
    timing = library.StudyTiming(
        fraction=config["READING_MIN_FRACTION"],
        floor=config["READING_MIN_SECONDS"],
        ceiling=config["READING_MAX_MIN_SECONDS"],
    )
    library.ensure_default_columns(session, committee)
    rows, problems = imports.read_markdown_folder(DEMO_DATA / "readings")
    plan = imports.check_readings(session, committee, rows, problems, create_columns=False)
    imports.write_readings(
        session, plan, by_user_id=None, now=now, timing=timing, publish_undated=False
    )
    titles = {row.where: row.title for row in rows}
    by_title = {
        r.title: r
        for r in session.scalars(select(Reading).where(Reading.committee_id == committee.id))
    }
    today = clock.local_date(now, committee.timezone)
    for offset, name in enumerate(DEMO_DAILY_FILES, start=-1):
        library.schedule_daily(
            session,
            by_title[titles[name]],
            day=today + timedelta(days=offset),
            timezone=committee.timezone,
            now=now,
        )
    for name, title in titles.items():
        if name not in DEMO_DAILY_FILES:
            library.publish_now(by_title[title], now=now - timedelta(days=2))
    entries = history.read_history(DEMO_DATA / "history.csv", this_year=today.year)
    history.import_history(session, entries, committee_id=None, actor_id=None, now=now)
    session.flush()
    load_shelf(session, committee, by_title[titles[DEMO_DAILY_FILES[0]]], now)


def _material_pdf(title: str, text: str) -> bytes:
    """A one-page PDF of a reading's text, as a committee would attach the full document
    (in Chinese when the machine has a CJK font, else a Latin placeholder)."""
    document = FPDF(format="A4")
    document.add_page()
    try:
        document.add_font("cjk", fname=str(pdf.cjk_font(current_app.config.get("POSTER_FONT"))))
        document.set_font("cjk", size=12)
        lines = [title, "", *text.splitlines()[:40]]
    except pdf.NoFont:
        document.set_font("Helvetica", size=12)
        lines = ["Study material (install a CJK font to see it in Chinese)"]
    for line in lines:
        document.multi_cell(0, 7, line, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def load_shelf(session: Session, committee: OrgUnit, reading: Reading, now: datetime) -> None:
    """Yesterday's reading carries its material as a PDF; a few members keep favourites."""
    shelf.attach_pdf(
        session,
        reading,
        io.BytesIO(_material_pdf(reading.title, reading.body_text)),
        filename=f"{reading.title}（学习材料）.pdf",
        storage=current_storage(),
        max_bytes=current_app.config["READING_ATTACHMENT_MAX_BYTES"],
        by_user_id=None,
        now=now,
    )
    readings = list(
        session.scalars(
            select(Reading)
            .where(Reading.committee_id == committee.id, Reading.published_at <= now)
            .order_by(Reading.id)
            .limit(3)
        )
    )
    members = session.scalars(
        select(Member)
        .where(Member.committee_id == committee.id, Member.is_active.is_(True))
        .order_by(Member.id)
        .limit(4)
    )
    for member in members:
        reader = Reader(
            user_id=member.user_id,
            member_id=member.id,
            committee_id=committee.id,
            branch_id=member.branch_id,
            timezone=committee.timezone,
        )
        for offset, starred in enumerate(readings[: 1 + member.id % 3]):
            shelf.set_favourite(
                session, starred, reader=reader, starred=True, now=now - timedelta(hours=offset)
            )


def load_lead_readers(session: Session, committee: OrgUnit, now: datetime) -> None:
    """Each branch's rota in roster order, with the two days before today already led.

    So today the third member of each branch leads (张伟 in 机关第一党支部).
    """
    branches = session.scalars(
        select(OrgUnit)
        .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH)
        .order_by(OrgUnit.id)
    ).all()
    for branch in branches:
        member_ids = session.scalars(
            select(Member.id).where(Member.branch_id == branch.id).order_by(Member.id)
        ).all()
        rota.set_rota(session, branch, member_ids)
        today = rota.branch_today(session, branch, now)
        for days_ago in (2, 1, 0):
            rota.assign_day(session, branch, today - timedelta(days=days_ago), now=now)
