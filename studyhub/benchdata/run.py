"""``studyhub gen-data``: a large synthetic organisation for benchmarks.

One committee named after the seed, general branches, branches with two or
three Party groups, members spread over the branches, a secretary and a branch
committee member per branch, and one committee staff account. Every account
shares one password hash, computed once. Only the committee and the staff's
role go through the org services; units, accounts, members and roles are
inserted in batches with Core ``insert()`` (an executemany of dicts, which
psycopg pipelines), so memory stays flat however many members there are.

Generation is the ordered list :data:`STEPS`. A later domain adds its data
(reads, attempts, meetings) by appending a :class:`Step`: its ``run`` reads what
earlier steps wrote from the database, scoped to ``gen.committee``, inserts its
rows in batches of :data:`BATCH_SIZE` and reports progress; its ``clear``
deletes them again for ``--replace``. Each step draws from its own seeded
random generator (``gen.rng(label)``), so adding a step changes nothing that
earlier steps produce. When this file grows past about 400 lines it becomes a
package with one module per domain.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from studyhub.accounts.models import LoginSession, User
from studyhub.accounts.services import hash_password
from studyhub.audit import benchdata as audit_data
from studyhub.audit.models import AuditEntry
from studyhub.core import clock
from studyhub.core.errors import Conflict, DomainError, InvalidInput
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, RoleAssignment, UnitKind
from studyhub.org.queries import branch_sizes_under, under
from studyhub.plans import benchdata as plan_data
from studyhub.quizzes import benchdata as quiz_data
from studyhub.readings.models import ReadingColumn
from studyhub.web.saving import unit_of_work

BATCH_SIZE = 5000
UNIT_BATCH = 500  # branches (with their groups) per statement
PASSWORD = "bench2026"
COMMITTEE_NAME = "基准测试党委-S{seed}"
MAX_SEED = 99
MAX_MEMBERS = 9_999_999  # seven digits of serial in the phone number
MIN_BRANCH_SIZE = 2  # the secretary and the branch committee member
TARGET_BRANCH_SIZE = 60  # the branch whose secretary is offered as a login
BRANCHES_PER_GENERAL_BRANCH = 10
GROUP_NAMES = ("第一党小组", "第二党小组", "第三党小组")

# Roughly by frequency: earlier surnames are drawn more often.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
SURNAME_CUM_WEIGHTS = list(accumulate(1 / (rank + 8) for rank in range(len(SURNAMES))))
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红文辉玲玉兰萍鹏波斌宇浩凯秀云海林峰晨"
    "欣怡俊琳丹雪梅婷颖慧春燕新立成东亮飞兵德福永祥利荣晓佳雅思嘉子振华翠凤淑珍"
)
DEPARTMENTS = (
    "办公室",
    "人事处",
    "财务处",
    "规划处",
    "科技处",
    "法规处",
    "信息中心",
    "研究院",
    "监测站",
    "服务中心",
    "第一车间",
    "第二车间",
    "质检部",
    "销售部",
    "物流部",
    "研发中心",
    "后勤中心",
    "离退休干部",
)

Progress = Callable[[str, int, int], None]
"""Called as ``on_progress(step label, done, total)`` while a step runs."""


def committee_name(seed: int) -> str:
    return COMMITTEE_NAME.format(seed=seed)


def phone_for(seed: int, serial: int) -> str:
    """``17`` + two digits of seed + seven of serial: unique, and no clash between seeds."""
    return f"17{seed:02d}{serial:07d}"


def member_no_prefix(seed: int) -> str:
    return f"B{seed}-"


def member_no_for(seed: int, serial: int) -> str:
    return f"{member_no_prefix(seed)}{serial:06d}"


@dataclass(frozen=True)
class BranchPlan:
    """A generated branch and how many members it gets."""

    id: int
    name: str
    path: str
    size: int
    groups: tuple[tuple[int, str], ...]  # (id, path) of each Party group


@dataclass
class Generation:
    """What the steps share: the session, the parameters and what earlier steps made."""

    session: Session
    committee: OrgUnit
    seed: int
    members: int
    branch_count: int
    now: datetime
    password_hash: str
    attempts: int = 0  # submitted exam attempts to generate (the quizzes step)
    audit_entries: int = 0  # audit log entries to generate (the audit step)
    branches: list[BranchPlan] = field(default_factory=list)

    def rng(self, label: str) -> random.Random:
        """A random generator of its own for each step, fixed by the seed."""
        return random.Random(f"studyhub-gen-data/{self.seed}/{label}")

    def analyze(self, *tables: Table) -> None:
        """Refresh PostgreSQL's statistics of tables just filled, before a step's
        ``INSERT … SELECT`` reads them: with none, the planner takes a table of 100,000 rows
        for one of a few and picks nested loops that run for minutes."""
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":
            preparer = conn.dialect.identifier_preparer
            conn.exec_driver_sql(f"ANALYZE {', '.join(preparer.format_table(t) for t in tables)}")

    def serial(self, phone: ColumnElement[str]) -> ColumnElement[int]:
        """A generated member's serial number (1, 2, …) in SQL, read from their phone
        number (:func:`phone_for`): what steps that draw in SQL key their draws on."""
        return cast(func.substr(phone, 5), BigInteger)


@dataclass(frozen=True)
class Step:
    """One part of the generated data.

    ``size`` is the step's amount of work (for the progress bar), asked when the
    step starts; ``run`` does the work and calls ``advance(n)`` as it goes;
    ``clear`` deletes the step's rows under a committee, for ``--replace``.
    """

    label: str
    size: Callable[[Generation], int]
    run: Callable[[Generation, Callable[[int], None]], None]
    clear: Callable[[Session, OrgUnit, int], None] | None = None


# -- step: the organisation tree ------------------------------------------------


def branch_sizes(rng: random.Random, members: int, count: int) -> list[int]:
    """``members`` spread over ``count`` branches, unevenly, each at least the minimum."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(count)]
    spare = members - MIN_BRANCH_SIZE * count
    total = sum(weights)
    shares = [spare * w / total for w in weights]
    sizes = [MIN_BRANCH_SIZE + int(s) for s in shares]
    left = members - sum(sizes)
    by_remainder = sorted(range(count), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_remainder[:left]:
        sizes[i] += 1
    return sizes


def _insert_units(gen: Generation, kind: UnitKind, rows: list[tuple[int, str, str]]) -> list[str]:
    """Insert units of one kind, each ``(parent id, parent path, name)``; returns their paths.

    A path ends with the unit's own id, so it is set once the ids are known.
    """
    conn = gen.session.connection()
    units = OrgUnit.__table__
    ids = (
        conn.execute(
            insert(units).returning(units.c.id, sort_by_parameter_order=True),
            [
                {
                    "parent_id": parent_id,
                    "committee_id": gen.committee.id,
                    "kind": kind,
                    "name": name,
                    "path": "",
                    "timezone": gen.committee.timezone,
                    "is_active": True,
                    "created_at": gen.now,
                }
                for parent_id, _path, name in rows
            ],
        )
        .scalars()
        .all()
    )
    paths = [f"{path}{unit_id}/" for (_p, path, _n), unit_id in zip(rows, ids, strict=True)]
    conn.execute(
        update(units).where(units.c.id == bindparam("unit_id")).values(path=bindparam("new_path")),
        [{"unit_id": i, "new_path": path} for i, path in zip(ids, paths, strict=True)],
    )
    return paths


def _create_units(gen: Generation, advance: Callable[[int], None]) -> None:
    rng = gen.rng("units")
    committee = gen.committee
    general_count = max(1, round(gen.branch_count / BRANCHES_PER_GENERAL_BRANCH))
    # Three branches in four sit under a general branch; the rest under the committee.
    grouped = math.ceil(gen.branch_count * 3 / 4)
    general_paths = _insert_units(
        gen,
        UnitKind.GENERAL_BRANCH,
        [(committee.id, committee.path, f"第{i + 1}党总支") for i in range(general_count)],
    )
    sizes = branch_sizes(rng, gen.members, gen.branch_count)
    branch_rows = []
    for i in range(gen.branch_count):
        parent = general_paths[i * general_count // grouped] if i < grouped else committee.path
        name = f"{DEPARTMENTS[i % len(DEPARTMENTS)]}第{i + 1}党支部"
        branch_rows.append((_unit_id(parent), parent, name))
    group_counts = [rng.choice((2, 3)) for _ in range(gen.branch_count)]
    for start in range(0, gen.branch_count, UNIT_BATCH):
        rows = branch_rows[start : start + UNIT_BATCH]
        counts = group_counts[start : start + UNIT_BATCH]
        branch_paths = _insert_units(gen, UnitKind.BRANCH, rows)
        group_paths = iter(
            _insert_units(
                gen,
                UnitKind.GROUP,
                [
                    (_unit_id(path), path, group_name)
                    for path, count in zip(branch_paths, counts, strict=True)
                    for group_name in GROUP_NAMES[:count]
                ],
            )
        )
        for (_parent, _pp, name), path, size, count in zip(
            rows, branch_paths, sizes[start : start + UNIT_BATCH], counts, strict=True
        ):
            groups = tuple((_unit_id(g), g) for g in itertools.islice(group_paths, count))
            gen.branches.append(
                BranchPlan(id=_unit_id(path), name=name, path=path, size=size, groups=groups)
            )
        advance(len(rows))


def _unit_id(path: str) -> int:
    """The id a unit's path ends with."""
    return int(path.rstrip("/").rsplit("/", 1)[1])


# -- step: members, their accounts and branch roles ----------------------------


def _person_name(rng: random.Random) -> str:
    surname = rng.choices(SURNAMES, cum_weights=SURNAME_CUM_WEIGHTS)[0]
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
    return surname + given


@dataclass(frozen=True)
class _PlannedMember:
    user: dict
    member: dict
    role: Role | None


def _planned_members(gen: Generation) -> Iterator[_PlannedMember]:
    """Every member in order, branch by branch; the same seed gives the same people."""
    rng = gen.rng("members")
    now = gen.now
    first_joined = date(1970, 1, 1)
    joined_span = (date(2025, 12, 31) - first_joined).days
    serial = 0
    for branch in gen.branches:
        for index in range(branch.size):
            serial += 1
            role = (Role.SECRETARY, Role.BRANCH_COMMITTEE)[index] if index < 2 else None
            group = None if rng.random() < 0.05 else branch.groups[index % len(branch.groups)]
            yield _PlannedMember(
                user={
                    "name": _person_name(rng),
                    "phone": phone_for(gen.seed, serial),
                    "member_no": member_no_for(gen.seed, serial),
                    "password_hash": gen.password_hash,
                    "must_change_password": False,
                    "is_enabled": True,
                    "is_admin": False,
                    "created_at": now,
                    "password_changed_at": None,
                    "last_login_at": None,
                },
                member={
                    "committee_id": gen.committee.id,
                    "branch_id": branch.id,
                    "group_id": group[0] if group else None,
                    "org_path": group[1] if group else branch.path,
                    "status": MemberStatus.PROBATIONARY
                    if rng.random() < 0.04
                    else MemberStatus.FULL,
                    "joined_on": first_joined + timedelta(days=rng.randrange(joined_span)),
                    "position": {Role.SECRETARY: "支部书记", Role.BRANCH_COMMITTEE: "组织委员"}.get(
                        role
                    ),
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                },
                role=role,
            )


def _batches(items: Iterator[_PlannedMember], size: int) -> Iterator[list[_PlannedMember]]:
    batch: list[_PlannedMember] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_members(gen: Generation, advance: Callable[[int], None]) -> None:
    conn = gen.session.connection()
    users, members, roles = User.__table__, Member.__table__, RoleAssignment.__table__
    insert_users = insert(users).returning(users.c.id, sort_by_parameter_order=True)
    for batch in _batches(_planned_members(gen), BATCH_SIZE):
        user_ids = conn.execute(insert_users, [p.user for p in batch]).scalars().all()
        conn.execute(
            insert(members),
            [{**p.member, "user_id": uid} for p, uid in zip(batch, user_ids, strict=True)],
        )
        role_rows = [
            {
                "user_id": uid,
                "unit_id": p.member["branch_id"],
                "role": p.role,
                "appointed_at": gen.now,
                "appointed_by_id": None,
            }
            for p, uid in zip(batch, user_ids, strict=True)
            if p.role is not None
        ]
        if role_rows:
            conn.execute(insert(roles), role_rows)
        advance(len(batch))


# -- step: the committee's staff -----------------------------------------------


def _create_staff(gen: Generation, advance: Callable[[int], None]) -> None:
    serial = gen.members + 1
    user = User(
        name=_person_name(gen.rng("staff")),
        phone=phone_for(gen.seed, serial),
        member_no=member_no_for(gen.seed, serial),
        password_hash=gen.password_hash,
        must_change_password=False,
        created_at=gen.now,
    )
    gen.session.add(user)
    gen.session.flush()
    org.appoint(gen.session, user, gen.committee, Role.STAFF, by=None, now=gen.now)
    advance(1)


def _clear_org(session: Session, committee: OrgUnit, seed: int) -> None:
    """Delete the generated accounts, members, roles and units of ``committee``."""
    generated = select(User.id).where(User.member_no.startswith(member_no_prefix(seed)))
    units = select(OrgUnit.id).where(under(OrgUnit.path, committee.path))
    roles = RoleAssignment.__table__
    session.execute(delete(roles).where(roles.c.user_id.in_(generated)))
    session.execute(delete(roles).where(roles.c.unit_id.in_(units)))
    members = Member.__table__
    session.execute(delete(members).where(members.c.committee_id == committee.id))
    logins = LoginSession.__table__  # benchmarks log generated members in
    session.execute(delete(logins).where(logins.c.user_id.in_(generated)))
    users = User.__table__
    session.execute(delete(users).where(users.c.member_no.startswith(member_no_prefix(seed))))
    columns = ReadingColumn.__table__  # the default ones every committee starts with
    session.execute(delete(columns).where(columns.c.committee_id == committee.id))
    for kind in (UnitKind.GROUP, UnitKind.BRANCH, UnitKind.GENERAL_BRANCH, UnitKind.COMMITTEE):
        session.execute(
            delete(OrgUnit)
            .where(under(OrgUnit.path, committee.path), OrgUnit.kind == kind)
            .execution_options(synchronize_session="fetch")
        )


# -- step: the audit log ----------------------------------------------------------


def _create_audit(gen: Generation, advance: Callable[[int], None]) -> None:
    """Years of audit entries over the committee's branches, by its staff and secretaries."""
    actors = list(
        gen.session.scalars(
            select(RoleAssignment.user_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .where(under(OrgUnit.path, gen.committee.path))
            .order_by(RoleAssignment.user_id)
            .limit(1000)
        )
    )
    audit_data.insert_entries(
        gen.session,
        count=gen.audit_entries,
        committee=audit_data.Scope(gen.committee.path, gen.committee.id, None),
        branches=[audit_data.Scope(b.path, gen.committee.id, b.id) for b in gen.branches],
        actor_ids=actors,
        now=gen.now,
        rng=gen.rng("audit"),
        advance=advance,
    )


def _clear_audit(session: Session, committee: OrgUnit, seed: int) -> None:
    """Delete the entries of the generated committee and of its generated people (a
    benchmark's data, removed with it; the application itself never deletes an entry)."""
    entries = AuditEntry.__table__
    generated = select(User.id).where(User.member_no.startswith(member_no_prefix(seed)))
    # Past the append-only guard through its one execution option: generated data only.
    session.execute(
        delete(entries)
        .where(under(entries.c.scope_path, committee.path))
        .execution_options(audit_erasure=True)
    )
    session.execute(
        delete(entries)
        .where(entries.c.actor_id.in_(generated))
        .execution_options(audit_erasure=True)
    )


STEPS: list[Step] = [
    Step("Units", lambda gen: gen.branch_count, _create_units, _clear_org),
    Step("Members", lambda gen: gen.members, _insert_members),
    Step("Staff", lambda gen: 1, _create_staff),
    Step("Quizzes", quiz_data.size, quiz_data.run, quiz_data.clear),
    Step("Plans", plan_data.size, plan_data.run, plan_data.clear),
    Step("Audit", lambda gen: gen.audit_entries, _create_audit, _clear_audit),
]


# -- the whole run ---------------------------------------------------------------


def check_parameters(*, members: int, branches: int, seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"The seed must be between 0 and {MAX_SEED}.")
    if branches < 1:
        raise InvalidInput("There must be at least one branch.")
    if members < MIN_BRANCH_SIZE * branches:
        raise InvalidInput(
            f"{branches} branches need at least {MIN_BRANCH_SIZE * branches} members."
        )
    if members + 1 > MAX_MEMBERS:
        raise InvalidInput(f"At most {MAX_MEMBERS - 1} members.")


def clear(session: Session, committee: OrgUnit, *, seed: int) -> None:
    """Delete a generated committee and everything the steps made under it."""
    for step in reversed(STEPS):
        if step.clear is not None:
            step.clear(session, committee, seed)


def generate(
    session: Session,
    *,
    members: int,
    branches: int,
    seed: int,
    now: datetime,
    password_hash: str,
    replace: bool = False,
    on_progress: Progress | None = None,
    attempts: int = 0,
    audit_entries: int = 0,
) -> Generation:
    """Run every step for a new committee named after ``seed``; the caller commits.

    Raises ``Conflict`` when that committee exists (unless ``replace``) or when
    its phone numbers are taken, ``InvalidInput`` for impossible sizes.
    """
    check_parameters(members=members, branches=branches, seed=seed)
    name = committee_name(seed)
    existing = session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.name == name)
    )
    if existing is not None:
        if not replace:
            raise Conflict(f"{name} exists already; use --replace to generate it again.")
        clear(session, existing, seed=seed)
    taken = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.phone.between(phone_for(seed, 0), phone_for(seed, MAX_MEMBERS)))
    )
    if taken:
        raise Conflict(
            f"Phone numbers {phone_for(seed, 0)[:4]}… of seed {seed} are in use; "
            "choose another seed."
        )
    committee = org.create_committee(session, name, now=now, timezone="Asia/Shanghai")
    gen = Generation(
        session=session,
        committee=committee,
        seed=seed,
        members=members,
        branch_count=branches,
        now=now,
        password_hash=password_hash,
        attempts=attempts,
        audit_entries=audit_entries,
    )
    report = on_progress or (lambda label, done, total: None)
    for step in STEPS:
        total = step.size(gen)
        done = 0
        report(step.label, 0, total)

        def advance(n: int, label: str = step.label, total: int = total) -> None:
            nonlocal done
            done += n
            report(label, done, total)

        step.run(gen, advance)
    session.flush()
    return gen


# -- logins to try it with -------------------------------------------------------


@dataclass(frozen=True)
class SampleLogin:
    role: str
    name: str
    login: str
    unit_id: int | None = None
    unit_name: str | None = None
    unit_size: int | None = None


def sample_logins(session: Session, committee: OrgUnit) -> list[SampleLogin]:
    """A plain member, the secretary of the branch nearest 60 members, and the staff."""
    logins: list[SampleLogin] = []
    with_role = select(RoleAssignment.user_id)
    member = session.scalars(
        select(Member)
        .where(Member.committee_id == committee.id, Member.user_id.not_in(with_role))
        .order_by(Member.id)
        .limit(1)
    ).first()
    if member is not None:
        logins.append(SampleLogin("member", member.user.name, member.user.phone or ""))
    sizes = session.execute(branch_sizes_under(committee.path)).all()
    if sizes:
        branch_id, size = min(sizes, key=lambda row: (abs(row[1] - TARGET_BRANCH_SIZE), row[0]))
        secretary = session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.unit_id == branch_id, RoleAssignment.role == Role.SECRETARY
            )
        ).first()
        if secretary is not None:
            logins.append(
                SampleLogin(
                    "secretary",
                    secretary.user.name,
                    secretary.user.phone or "",
                    unit_id=branch_id,
                    unit_name=secretary.unit.name,
                    unit_size=size,
                )
            )
    staff = session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.unit_id == committee.id, RoleAssignment.role == Role.STAFF
        )
    ).first()
    if staff is not None:
        logins.append(
            SampleLogin(
                "staff",
                staff.user.name,
                staff.user.phone or "",
                unit_id=committee.id,
                unit_name=committee.name,
            )
        )
    return logins


def find_committee(session: Session, seed: int) -> OrgUnit | None:
    return session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.name == committee_name(seed))
    )


class _ProgressBars:
    """One click progress bar per step, opened when the step reports first."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.bar = None
        self.shown = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label:
            self.close()
            self.label, self.shown = label, 0
            self.bar = click.progressbar(length=total, label=f"{label:<8}", show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("gen-data")
@click.option("--members", default=1000, show_default=True, type=click.IntRange(min=2))
@click.option("--branches", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0, MAX_SEED))
@click.option("--replace", is_flag=True, help="Delete this seed's committee first if it exists.")
@click.option(
    "--attempts",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Submitted exam attempts (with their items) over the members; a question bank is "
    "always made.",
)
@click.option(
    "--audit-entries",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Audit log entries over the committee and its branches (e.g. 1000000).",
)
@with_appcontext
def gen_data_command(
    members: int, branches: int, seed: int, replace: bool, attempts: int, audit_entries: int
) -> None:
    """Generate a synthetic committee in batches, with a progress bar."""
    started = clock.now_utc()
    password_hash = hash_password(PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
    bars = _ProgressBars()
    try:
        with unit_of_work():  # one transaction: a failed run leaves nothing half-made
            gen = generate(
                db.session,
                members=members,
                branches=branches,
                seed=seed,
                now=started,
                password_hash=password_hash,
                replace=replace,
                on_progress=bars,
                attempts=attempts,
                audit_entries=audit_entries,
            )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        bars.close()
    seconds = (clock.now_utc() - started).total_seconds()
    click.echo(
        f"\n{gen.committee.name}: {members} members in {branches} branches, {seconds:.1f} s."
    )
    if attempts:
        rows = attempts * (1 + quiz_data.ITEMS_PER_ATTEMPT)
        click.echo(f"{attempts} exam attempts ({rows} rows with their items).")
    if audit_entries:
        click.echo(f"{audit_entries} audit log entries.")
    click.echo(f"Logins (password for all: {PASSWORD}):")
    for login in sample_logins(db.session, gen.committee):
        where = f"  {login.unit_name} ({login.unit_size} members)" if login.unit_size else ""
        click.echo(f"  {login.role:<10} {login.name:<4} {login.login}{where}")
