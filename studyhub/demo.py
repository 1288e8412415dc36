"""``studyhub demo``: a deterministic demo organisation, then a development server.

Later domains add their demo data here, through their own services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from studyhub.accounts.models import User
from studyhub.accounts.services import hash_password
from studyhub.core import clock
from studyhub.core.schema import drop_all_tables
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, UnitKind
from studyhub.readings.models import Reading
from studyhub.readings.services import history, imports, library, rota
from studyhub.scheduler.process import configure_logging, start_in_background

DEMO_DATA = Path(__file__).resolve().parent / "readings" / "data"
COMMITTEE = "市科技局机关党委"
DEMO_PASSWORD = "demo2026"
ADMIN_LOGIN = "admin"

# (general branch or None, branch, groups, member names)
BRANCHES: list[tuple[str | None, str, list[str], list[str]]] = [
    (
        "局机关党总支",
        "机关第一党支部",
        ["第一党小组", "第二党小组"],
        [
            "王建国",
            "李秀英",
            "张伟",
            "刘洋",
            "陈静",
            "杨帆",
            "赵磊",
            "黄丽娟",
            "周涛",
            "吴敏",
            "徐海燕",
            "孙志强",
            "马晓东",
            "朱婷",
            "胡斌",
        ],
    ),
    (
        "局机关党总支",
        "机关第二党支部",
        ["第一党小组", "第二党小组"],
        [
            "郭玉兰",
            "何俊",
            "高雪梅",
            "林志远",
            "罗红",
            "郑凯",
            "梁晓燕",
            "宋文杰",
            "谢芳",
            "韩冬",
            "唐明辉",
            "冯丽",
            "董建华",
            "萧雅琴",
        ],
    ),
    (
        None,
        "离退休干部党支部",
        ["第一党小组"],
        [
            "程德福",
            "曹桂英",
            "袁振华",
            "邓淑珍",
            "许国强",
            "傅秀兰",
            "沈长林",
            "曾凤英",
            "彭志诚",
            "吕玉珍",
            "苏永贵",
        ],
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    login: str


def load_demo(*, password_method: str) -> list[DemoLogin]:
    """Create the demo organisation unless it is there already; returns the logins."""
    now = clock.now_utc()
    session = db.session
    existing = session.scalar(select(OrgUnit).where(OrgUnit.name == COMMITTEE))
    if existing is not None:
        return demo_logins()
    password_hash = hash_password(DEMO_PASSWORD, method=password_method)
    committee = org.create_committee(session, COMMITTEE, now=now, timezone="Asia/Shanghai")
    general_branches: dict[str, OrgUnit] = {}
    serial = 0
    for general_name, branch_name, group_names, names in BRANCHES:
        parent = committee
        if general_name:
            if general_name not in general_branches:
                general_branches[general_name] = org.create_unit(
                    session, committee, kind=UnitKind.GENERAL_BRANCH, name=general_name, now=now
                )
            parent = general_branches[general_name]
        branch = org.create_unit(session, parent, kind=UnitKind.BRANCH, name=branch_name, now=now)
        groups = [
            org.create_unit(session, branch, kind=UnitKind.GROUP, name=g, now=now)
            for g in group_names
        ]
        for index, name in enumerate(names):
            serial += 1
            fields = org.MemberFields(
                name=name,
                phone=f"138{serial:08d}",
                member_no=f"KJ{serial:04d}",
                status=MemberStatus.PROBATIONARY if index == len(names) - 1 else MemberStatus.FULL,
                joined_on=date(1975 + (serial * 7) % 48, 1 + serial % 12, 1 + serial % 28),
                position="支部书记" if index == 0 else None,
            )
            member = org.add_member(
                session,
                branch,
                fields,
                group=groups[index % len(groups)],
                now=now,
                password_method=password_method,
                password_hash=password_hash,
            )
            member.user.must_change_password = False
            if index == 0:
                org.appoint(session, member.user, branch, Role.SECRETARY, by=None, now=now)
            elif index == 1:
                org.appoint(session, member.user, branch, Role.BRANCH_COMMITTEE, by=None, now=now)
            if serial == 2:
                org.appoint(session, member.user, committee, Role.STAFF, by=None, now=now)
    admin = User(
        name="系统管理员",
        member_no=ADMIN_LOGIN,
        password_hash=password_hash,
        must_change_password=False,
        is_admin=True,
        created_at=now,
    )
    session.add(admin)
    session.flush()
    _load_readings(session, committee, now)
    _load_lead_readers(session, committee, now)
    return demo_logins()


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


def _load_readings(session: Session, committee: OrgUnit, now: datetime) -> None:
    """Columns, ten readings (seven of them the readings of yesterday to five days on)
    and the shared 党史今天 set, through the same services as the import commands."""
    config = current_app.config
    timing = library.StudyTiming(
        fraction=config["READING_MIN_FRACTION"],
        floor=config["READING_MIN_SECONDS"],
        ceiling=config["READING_MAX_MIN_SECONDS"],
    )
    library.ensure_default_columns(session, committee)
    rows, problems = imports.read_markdown_folder(DEMO_DATA / "demo_readings")
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
    entries = history.read_history(DEMO_DATA / "history_demo.csv", this_year=today.year)
    history.import_history(session, entries, committee_id=None)
    session.flush()


def _load_lead_readers(session: Session, committee: OrgUnit, now: datetime) -> None:
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


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("system admin", "系统管理员", ADMIN_LOGIN),
        DemoLogin("committee staff", "李秀英", "13800000002"),
        DemoLogin("secretary, 机关第一党支部", "王建国", "13800000001"),
        DemoLogin("secretary, 机关第二党支部", "郭玉兰", "13800000016"),
        DemoLogin("secretary, 离退休干部党支部", "程德福", "13800000030"),
        DemoLogin("member, 机关第一党支部", "张伟", "13800000003"),
    ]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only create the database and load the demo.")
@click.option("--reset", is_flag=True, help="Delete every table first and start from scratch.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, reset: bool) -> None:
    """Create or upgrade the database, load the demo data, print the logins and serve."""
    if reset:
        click.echo("Dropping every table…")
        drop_all_tables(db.engine)
    upgrade()
    logins = load_demo(password_method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.role:<32} {login.name:<6} {login.login}")
    if no_serve:
        return
    url = f"http://{host}:{port}/"
    click.echo(f"\nstudyhub is running at {url}  (Ctrl+C stops it)")
    app = current_app._get_current_object()
    # The scheduler runs beside the server here, for convenience only; in
    # production it is its own process (``studyhub scheduler``).
    configure_logging()
    scheduler, scheduler_thread = start_in_background(app)
    try:
        # Not app.run(): Flask ignores it inside a CLI command (FLASK_RUN_FROM_CLI).
        run_simple(host, port, app, threaded=True)
    finally:
        scheduler.stop()
        scheduler_thread.join(timeout=30)
