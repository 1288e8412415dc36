"""The ``studyhub gen-data`` steps that build the organisation: units, members, staff.

Only the committee and the staff's role go through the org services; units,
accounts, members and roles are inserted in batches with Core ``insert()`` (an
executemany of dicts, which psycopg pipelines), so memory stays flat however
many members there are. Every account shares one password hash, computed once.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import (
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from studyhub.accounts.models import LoginSession, User
from studyhub.benchdata.generation import (
    BATCH_SIZE,
    BRANCHES_PER_GENERAL_BRANCH,
    MIN_BRANCH_SIZE,
    UNIT_BATCH,
    BranchPlan,
    Generation,
    member_no_for,
    member_no_prefix,
    phone_for,
)
from studyhub.org import services as org
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, RoleAssignment, UnitKind
from studyhub.org.queries import under
from studyhub.readings.models import ReadingColumn

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


def create_units(gen: Generation, advance: Callable[[int], None]) -> None:
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


def insert_members(gen: Generation, advance: Callable[[int], None]) -> None:
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


def create_staff(gen: Generation, advance: Callable[[int], None]) -> None:
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


def clear_org(session: Session, committee: OrgUnit, seed: int) -> None:
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
