#!/usr/bin/env python
"""Benchmark the audit log as it grows: its pages and a write that records an entry.

In this process (no server: the Flask test client renders the pages end to end),
on SQLite in a temporary folder or on a PostgreSQL database made for benchmarks
(its name containing ``bench``):

1. the schema by the migrations, and ``gen-data``'s organisation (``--members`` in
   ``--branches``, no audit entries yet);
2. the baseline: the pages and the write below, timed with the log nearly empty;
3. ``--entries`` audit entries (1,000,000 by default) added by gen-data's audit step
   (``studyhub.benchdata.audit``), timed;
4. the same pages and write again, and ``EXPLAIN`` of the committee page's two
   statements (its page of entries and its capped count) to show the indexes used.

Pages: committee staff's log of the committee (page 1, page 40, filtered by kind,
by person, by a week a year ago) and a branch secretary's log of their branch.
The write: deactivating and reactivating a member (``org.services.set_member_active``,
which records an entry) and committing, one after another. The figures go to
their own section of ``bench/RESULTS.md``; the other sections are kept.

    python bench/audit.py                     # SQLite, 1,000,000 entries
    python bench/audit.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench_audit
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: the machine, the results file)

START = "<!-- audit log: start -->"
END = "<!-- audit log: end -->"
SEED = 9
GOAL_PAGE_MS = 200.0
WRITE_GROWTH = 1.5  # the write's p95 with the big log, at most this times the empty log's
INTRO = (
    "## Audit log (bench/audit.py)\n\n"
    "The audit log's pages and a write that records an entry, with the log nearly empty and "
    "with 1,000,000 entries; in-process (the test client renders each page end to end). "
    f"Goals with 1,000,000 entries: every page p95 ≤ {GOAL_PAGE_MS:.0f} ms, the write's p95 at "
    f"most {WRITE_GROWTH}× its p95 with the log nearly empty (the write's absolute time is the "
    "commit's, which other load on the machine moves), and no full scan of the log."
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (a database named *bench*)")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=3_000)
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-results", action="store_true", help="Do not write RESULTS.md.")
    return parser.parse_args()


def timed(work, rounds: int, warm: int = 3) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``rounds`` calls after ``warm`` untimed ones."""
    for _ in range(warm):
        work()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    args = parse_args()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-audit-"))
    if args.database_url:
        if "bench" not in base.database_name(args.database_url):
            sys.exit("--database-url: use a database made for this, its name containing 'bench'")
        url = args.database_url
    else:
        url = f"sqlite:///{instance / 'bench.sqlite'}"
    os.environ["STUDYHUB_INSTANCE_PATH"] = str(instance)

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from studyhub import create_app
    from studyhub.accounts.services import hash_password, start_session
    from studyhub.audit.models import AuditEntry
    from studyhub.benchdata import audit as audit_data
    from studyhub.benchdata import run as gendata
    from studyhub.benchdata.generation import PASSWORD
    from studyhub.core import clock
    from studyhub.core.schema import drop_all_tables
    from studyhub.extensions import db
    from studyhub.org import services as org
    from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment
    from studyhub.reports.services import audit_log

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    started = datetime.now().astimezone()
    load_before = os.getloadavg()[0]
    with app.app_context():
        drop_all_tables(db.engine)
        upgrade()
        session = db.session
        now = clock.now_utc()
        t0 = time.perf_counter()
        gen = gendata.generate(
            session,
            members=args.members,
            branches=args.branches,
            seed=SEED,
            now=now,
            password_hash=hash_password(PASSWORD, method="pbkdf2:sha256:1000"),
        )
        session.commit()
        print(f"organisation: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        committee = gen.committee
        staff = session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.unit_id == committee.id, RoleAssignment.role == Role.STAFF
            )
        ).first()
        secretary = session.scalars(
            select(RoleAssignment)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .where(OrgUnit.committee_id == committee.id, RoleAssignment.role == Role.SECRETARY)
            .order_by(RoleAssignment.id)
        ).first()
        branch = secretary.unit
        member = session.scalars(
            select(Member).where(Member.branch_id == branch.id, Member.user_id != secretary.user_id)
        ).first()

        def client_of(user):
            client = app.test_client()
            start_session(user, now=now, lifetime=timedelta(days=1), is_remembered=True)
            session.commit()
            with client.session_transaction() as sess:
                sess["_user_id"] = user.get_id()
                sess["_fresh"] = True
            return client

        staff_client = client_of(staff.user)
        secretary_client = client_of(secretary.user)
        a_year_ago = clock.local_date(now, committee.timezone) - timedelta(days=365)
        week = (
            f"since={a_year_ago.isoformat()}&until={(a_year_ago + timedelta(days=6)).isoformat()}"
        )
        pages = [
            ("committee log, page 1", staff_client, f"/reports/units/{committee.id}/audit"),
            (
                "committee log, page 40",
                staff_client,
                f"/reports/units/{committee.id}/audit?page=40",
            ),
            (
                "committee log, one kind",
                staff_client,
                f"/reports/units/{committee.id}/audit?kind=member.moved",
            ),
            (
                "committee log, one person",
                staff_client,
                f"/reports/units/{committee.id}/audit?person={secretary.user.phone}",
            ),
            (
                "committee log, a week a year ago",
                staff_client,
                f"/reports/units/{committee.id}/audit?{week}",
            ),
            (
                "branch log (secretary), page 1",
                secretary_client,
                f"/reports/units/{branch.id}/audit",
            ),
        ]

        def page_figures() -> dict[str, tuple[float, float]]:
            figures = {}
            for label, client, path in pages:

                def get(client=client, path=path):
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)

                figures[label] = timed(get, args.rounds)
            return figures

        state = {"active": True}

        def write() -> None:
            state["active"] = not state["active"]
            org.set_member_active(
                member, is_active=state["active"], actor_id=staff.user_id, now=clock.now_utc()
            )
            session.commit()

        before_pages = page_figures()
        before_write = timed(write, args.rounds * 2)
        print("baseline measured", file=sys.stderr)

        t0 = time.perf_counter()
        last = [0]

        def advance(n: int) -> None:
            last[0] += n
            if last[0] % 100_000 < n:
                print(f"  {last[0]:,} entries", file=sys.stderr)

        audit_data.insert_entries(
            session,
            count=args.entries,
            committee=audit_data.Scope(committee.path, committee.id, None),
            branches=[audit_data.Scope(b.path, committee.id, b.id) for b in gen.branches],
            actor_ids=list(session.scalars(select(RoleAssignment.user_id).limit(1000))),
            now=now,
            rng=gen.rng("audit"),
            advance=advance,
        )
        session.commit()
        insert_seconds = time.perf_counter() - t0
        dialect = session.connection().dialect.name
        if dialect == "postgresql":
            # What autovacuum does after so many inserts, done now rather than while timing.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) audit_entry")
        total = session.scalar(select(func.count()).select_from(AuditEntry))
        in_branch = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.branch_id == branch.id)
        )
        print(f"{total:,} entries in {insert_seconds:.1f} s", file=sys.stderr)

        after_pages = page_figures()
        after_write = timed(write, args.rounds * 2)

        stmt = audit_log.entries_of(committee, audit_log.LogFilter()).limit(audit_log.PER_PAGE)
        plans = {
            "page of entries": explain(session, stmt, dialect),
            "capped count": explain(
                session,
                audit_log.capped_count(audit_log.entries_of(committee, audit_log.LogFilter())),
                dialect,
            ),
        }
        database = base.database_version(url)
        branch_name = branch.name

    load = (load_before, os.getloadavg()[0])
    section = report(
        load=load,
        started=started,
        database=database,
        args=args,
        total=total,
        in_branch=in_branch,
        branch_name=branch_name,
        insert_seconds=insert_seconds,
        before=(before_pages, before_write),
        after=(after_pages, after_write),
        plans=plans,
    )
    print(section)
    if not args.no_results:
        base.write_section(section, start=START, end=END, intro=INTRO)
    shutil.rmtree(instance, ignore_errors=True)  # the SQLite file is about 450 MB


def explain(session, stmt, dialect: str) -> str:
    """The plan of ``stmt`` (PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN)."""
    from sqlalchemy import text

    compiled = stmt.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    if dialect == "postgresql":
        rows = session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS OFF) {compiled}")).scalars()
        return "\n".join(rows)
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(row[-1]) for row in rows)


def report(
    *,
    load,
    started,
    database,
    args,
    total,
    in_branch,
    branch_name,
    insert_seconds,
    before,
    after,
    plans,
) -> str:
    info = base.machine()
    lines = [
        f"### {started:%Y-%m-%d %H:%M} UTC — {database}",
        "",
        f"- Machine: {info['machine']}; {info['os']}; load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after (other work on the machine shows in the figures)",
        f"- Software: Python {info['python']}, {database}, studyhub {base.project_commit(None)}",
        f"- Data: `gen-data --members {args.members} --branches {args.branches} --seed {SEED}`, "
        f"then {total:,} audit entries (gen-data's audit step) in {insert_seconds:.0f} s; "
        f"the secretary's branch {branch_name} holds {in_branch:,}",
        f"- Each page {args.rounds} times one after another (after 3 untimed), logged in, rendered "
        f"by the test client in-process; the write {2 * args.rounds} times",
        "",
        f"| | p50 ms (empty log) | p95 ms (empty log) | p50 ms ({total:,}) "
        f"| p95 ms ({total:,}) | goal p95 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label in after[0]:
        b, a = before[0][label], after[0][label]
        met = "met" if a[1] <= GOAL_PAGE_MS else "NOT met"
        lines.append(
            f"| {label} | {b[0]:.1f} | {b[1]:.1f} | {a[0]:.1f} | {a[1]:.1f} "
            f"| ≤ {GOAL_PAGE_MS:.0f} ms: {met} |"
        )
    b, a = before[1], after[1]
    met = "met" if a[1] <= WRITE_GROWTH * b[1] else "NOT met"
    lines.append(
        "| write: deactivate/reactivate a member (records an entry), commit "
        f"| {b[0]:.1f} | {b[1]:.1f} | {a[0]:.1f} | {a[1]:.1f} "
        f"| ≤ {WRITE_GROWTH}× empty: {met} |"
    )
    lines.append("")
    for label, plan in plans.items():
        lines += [f"Plan of the committee page's {label}:", "", "```", plan, "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
