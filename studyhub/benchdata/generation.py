"""What every ``studyhub gen-data`` step shares: the parameters, the generated
people's names and numbers, :class:`Generation` and :class:`Step`.

Generation is the ordered list :data:`studyhub.benchdata.run.STEPS`. A domain adds
its data (reads, attempts, meetings) by appending a :class:`Step`: its ``run``
reads what earlier steps wrote from the database, scoped to ``gen.committee``,
inserts its rows in batches of :data:`BATCH_SIZE` and reports progress; its
``clear`` deletes them again for ``--replace``. Each step draws from its own
seeded random generator (``gen.rng(label)``), so adding a step changes nothing
that earlier steps produce.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    cast,
    func,
)
from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit

BATCH_SIZE = 5000
UNIT_BATCH = 500  # branches (with their groups) per statement
PASSWORD = "bench2026"
COMMITTEE_NAME = "基准测试党委-S{seed}"
MAX_SEED = 99
MAX_MEMBERS = 9_999_999  # seven digits of serial in the phone number
MIN_BRANCH_SIZE = 2  # the secretary and the branch committee member
TARGET_BRANCH_SIZE = 60  # the branch whose secretary is offered as a login
BRANCHES_PER_GENERAL_BRANCH = 10

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
