#!/usr/bin/env python
"""Benchmark the study dashboards: the committee's ranking of branches and a branch's table.

On PostgreSQL (a database made for benchmarks, its name containing ``bench``):
``studyhub db upgrade`` and ``studyhub gen-data`` (100,000 members in 2,000
branches by default, with the plans step's quarter of readings, receipts and a
plan, and the quizzes step's exam attempts), then:

1. the bare SQL: the statements each dashboard's figures come from (the
   ranking with its totals and trend; a branch's counts and its page of rows),
   run in-process on the same database, timed, and ``EXPLAIN ANALYZE``d to list
   any sequential scan of a big table;
2. the pages: ``gunicorn`` with production settings, staff and the secretary of
   the branch nearest 60 members logged in through the form, then requests one
   after another (a person waiting for the page, not a crowd), timed end to end.

It reports p50 and p95 of each, and the ratio of the page's time to its bare
SQL. Goals (issue 5): committee dashboard p95 ≤ 300 ms, branch dashboard p95 ≤
50 ms. The figures go to their own section of ``bench/RESULTS.md``; the other
sections are kept.

    python bench/dashboards.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench
    python bench/dashboards.py --database-url … --reuse-data      # keep the generated data
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from statistics import median

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: logins, HTTP, the machine)

START = "<!-- dashboards: start -->"
END = "<!-- dashboards: end -->"
GOALS_MS = {"committee dashboard": 300.0, "branch dashboard": 50.0}
BIG_TABLES = ("read_receipt", "attempt", "attempt_item", "member", "point_entry", "user")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=2_000)
    parser.add_argument(
        "--attempts",
        type=int,
        default=None,
        help="exam attempts for gen-data (default: 70%% of the members, one exam)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse-data", action="store_true", help="keep generated data if there")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    base.add_server_arguments(parser)
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 60 values is the 57th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    worst: float

    @classmethod
    def of(cls, millis: list[float]) -> Timing:
        return cls(p50=median(millis), p95=percentile(millis, 0.95), worst=max(millis))


def _timed(work, times: int, warmup: int) -> Timing:
    for _ in range(warmup):
        work()
    millis = []
    for _ in range(times):
        begun = time.perf_counter()
        work()
        millis.append((time.perf_counter() - begun) * 1000)
    return Timing.of(millis)


# The data and the bare SQL (in-process) ---------------------------------------------------------


@dataclass(frozen=True)
class Subjects:
    committee_id: int
    plan_id: int
    branch_id: int
    branch_name: str
    branch_members: int
    staff_login: str
    secretary_login: str
    counts: dict[str, int]


def find_subjects(seed: int) -> Subjects:
    """The generated committee, its current plan, the secretary's branch and the staff."""
    from sqlalchemy import func, select

    from studyhub.benchdata.run import find_committee, sample_logins
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.org.models import Member
    from studyhub.plans.models import PlanMaterial
    from studyhub.quizzes.models import Attempt
    from studyhub.readings.models import ReadReceipt
    from studyhub.reports.quarters import Quarter
    from studyhub.reports.services import dashboards

    with base._app_context():
        session = db.session
        committee = find_committee(session, seed)
        if committee is None:
            sys.exit(f"no generated committee for seed {seed}")
        now = clock.now_utc()
        choice = dashboards.choose_plan(
            session,
            committee,
            committee,
            quarter=Quarter.at(now, committee.timezone),
            today=clock.local_date(now, committee.timezone),
        )
        if choice.plan is None:
            sys.exit("the generated committee has no plan this quarter (gen-data's plans step)")
        logins = {login.role: login for login in sample_logins(session, committee)}
        members = select(Member.user_id).where(Member.committee_id == committee.id)
        counts = {
            "members": session.scalar(select(func.count()).select_from(members.subquery())),
            "receipts": session.scalar(
                select(func.count(ReadReceipt.id)).where(ReadReceipt.user_id.in_(members))
            ),
            "attempts": session.scalar(
                select(func.count(Attempt.id)).where(Attempt.user_id.in_(members))
            ),
            "materials": session.scalar(
                select(func.count(PlanMaterial.id)).where(PlanMaterial.plan_id == choice.plan.id)
            ),
        }
        subjects = Subjects(
            committee_id=committee.id,
            plan_id=choice.plan.id,
            branch_id=logins["secretary"].unit_id,
            branch_name=logins["secretary"].unit_name,
            branch_members=logins["secretary"].unit_size,
            staff_login=logins["staff"].login,
            secretary_login=logins["secretary"].login,
            counts=counts,
        )
        db.engine.dispose()
    return subjects


def statements(subjects: Subjects):
    """The dashboards' aggregate statements, built as the services build them."""
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.org.models import OrgUnit
    from studyhub.plans import queries as plan_queries
    from studyhub.plans.models import StudyPlan
    from studyhub.quizzes.models import Quiz
    from studyhub.reports import queries
    from studyhub.reports.quarters import Quarter
    from studyhub.reports.services import dashboards

    session = db.session
    committee = session.get(OrgUnit, subjects.committee_id)
    branch = session.get(OrgUnit, subjects.branch_id)
    plan = session.get(StudyPlan, subjects.plan_id)
    today = clock.local_date(clock.now_utc(), committee.timezone)
    weeks = dashboards.weeks_of(Quarter(plan.year, plan.quarter), committee.timezone)
    since, until = dashboards.week_around(today)
    ranking = queries.branch_ranking(
        plan,
        committee.path,
        quiz=session.get(Quiz, plan.quiz_id) if plan.quiz_id is not None else None,
        targets=list(session.scalars(plan_queries.target_paths(plan.id))),
        week_ends=[w.ends_at for w in weeks],
        since=since,
        until=until,
        limit=dashboards.PER_PAGE,
        offset=0,
    )
    params = queries.dashboard_params(plan, branch.path)
    counts = queries.dashboard_counts().params(**params)
    rows = queries.dashboard_rows(paged=True).params(**params, limit=dashboards.PER_PAGE, offset=0)
    return {"committee dashboard": [ranking], "branch dashboard": [counts, rows]}


def seq_scans(plan_text: str) -> list[str]:
    found = re.findall(r"Seq Scan on (\w+)", plan_text)
    return sorted({t for t in found if t in BIG_TABLES})


def time_sql(subjects: Subjects, args: argparse.Namespace) -> tuple[dict, dict, dict]:
    """(timings, rows returned, big tables scanned sequentially) per dashboard."""
    from studyhub.extensions import db

    timings, sizes, scans = {}, {}, {}
    with base._app_context():
        session = db.session
        found = statements(subjects)
        for label, stmts in found.items():

            def run(stmts=stmts):
                # Each run is its own transaction, as each page's is: psycopg prepares a
                # statement run five times on a connection and drops it at a rollback, and
                # PostgreSQL may then plan it once for any parameters, which no page does.
                rows = [session.execute(s).all() for s in stmts]
                session.rollback()
                return rows

            sizes[label] = [len(r) for r in run()]
            timings[label] = _timed(run, args.requests, args.warmup)
            plans = []
            for stmt in stmts:
                sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                explained = session.connection().exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS) {sql}"
                )
                plans.append("\n".join(r[0] for r in explained))
            scans[label] = sorted({t for p in plans for t in seq_scans(p)})
            where = Path(tempfile.gettempdir()) / f"studyhub-explain-{label.split()[0]}.txt"
            where.write_text("\n\n".join(plans))
            print(f"EXPLAIN ANALYZE of the {label}: {where}")
        session.rollback()
        db.engine.dispose()
    return timings, sizes, scans


# The pages (gunicorn) ---------------------------------------------------------------------------


def time_pages(subjects: Subjects, env: dict, args: argparse.Namespace) -> dict[str, Timing]:
    from studyhub.benchdata.generation import PASSWORD

    port = base.free_port()
    server = base.start_server(args, port, env, base.PROJECT_ROOT)
    try:
        base.wait_until_up(port, server)
        staff = base.log_in(port, subjects.staff_login, PASSWORD)
        secretary = base.log_in(port, subjects.secretary_login, PASSWORD)
        pages = {
            "committee dashboard": (
                f"/reports/units/{subjects.committee_id}/dashboard?plan={subjects.plan_id}",
                staff,
                'id="ranking-table"',
            ),
            "branch dashboard": (
                f"/reports/branches/{subjects.branch_id}/dashboard?plan={subjects.plan_id}",
                secretary,
                'id="member-table"',
            ),
        }
        timings = {}
        for label, (path, cookie, expected) in pages.items():
            base.check_page(port, path, cookie, expected)

            def get(path=path, cookie=cookie):
                status = base.request(port, "GET", path, cookie=cookie)[0]
                if status != 200:
                    sys.exit(f"GET {path} gave {status}")

            timings[label] = _timed(get, args.requests, args.warmup)
            print(f"{label}: p50 {timings[label].p50:.1f} ms, p95 {timings[label].p95:.1f} ms")
        return timings
    finally:
        server.terminate()
        server.wait(timeout=30)


# The report -------------------------------------------------------------------------------------


def report(*, started, args, subjects, info, gen_seconds, sql, sizes, scans, pages) -> str:
    c = subjects.counts
    lines = [
        f"### {started:%Y-%m-%d %H:%M %Z} — {info['database'].split(' (')[0]}",
        "",
        f"- Machine: {info['machine']}; load average {info['load']}",
        f"- Software: Python {info['python']}, {info['database']}, gunicorn {info['gunicorn']}, "
        f"studyhub {info['commit']}",
        f"- Data: `studyhub gen-data --members {args.members} --branches {args.branches} "
        f"--attempts {args.attempts} --seed {args.seed}`"
        + (f" ({gen_seconds:.0f} s)" if gen_seconds is not None else " (reused)")
        + f": {c['members']:,} members, {c['receipts']:,} read receipts, "
        f"{c['attempts']:,} attempts, a plan of {c['materials']} materials and a test for the "
        f"whole committee; branch dashboard of {subjects.branch_name} "
        f"({subjects.branch_members} members)",
        f"- Pages: {base.server_setup(args)}, production settings, {args.requests} requests "
        f"one after another per page after {args.warmup} untimed; bare SQL: the same "
        "statements in-process, as many times",
        "",
        "| dashboard | page p50 ms | page p95 ms | SQL p50 ms | SQL p95 ms "
        "| page ÷ SQL (p50) | page ÷ SQL (p95) | goal p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, goal in GOALS_MS.items():
        page, bare = pages[label], sql[label]
        verdict = "met" if page.p95 <= goal else "NOT met"
        lines.append(
            f"| {label} | {page.p50:.1f} | {page.p95:.1f} | {bare.p50:.1f} | {bare.p95:.1f} "
            f"| {page.p50 / bare.p50:.2f} | {page.p95 / bare.p95:.2f} "
            f"| ≤ {goal:.0f} ms: {verdict} |"
        )
    lines += [
        "",
        "Statements: committee dashboard — the ranking (one statement: every branch's figures, "
        "the totals and the weekly trend, "
        f"{sizes['committee dashboard'][0]} rows on the page); branch dashboard — the counts by "
        f"status and the page of rows ({sizes['branch dashboard'][1]} rows). "
        "Sequential scans of big tables in `EXPLAIN ANALYZE`: "
        + "; ".join(f"{k}: {', '.join(v) or 'none'}" for k, v in scans.items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


INTRO = (
    "## Dashboards (bench/dashboards.py)\n\n"
    "The committee's ranking of branches and a branch secretary's table on PostgreSQL, "
    "page latency end to end and the bare SQL behind it; the newest run first. "
    "Goals: committee dashboard p95 ≤ 300 ms, branch dashboard p95 ≤ 50 ms."
)


# The run ----------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    if args.attempts is None:
        args.attempts = args.members * 7 // 10
    if "bench" not in base.database_name(args.database_url):
        sys.exit("--database-url: use a database made for this, its name containing 'bench'")
    studyhub = base.tool("studyhub")
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-dash-bench-"))
    env = base.server_env(args.database_url, instance)
    os.environ.update(env)
    try:
        subprocess.run([studyhub, "db", "upgrade"], env=env, check=True, capture_output=True)
        gen_seconds = None
        if not (args.reuse_data and base.committee_exists(args.seed)):
            command = base.gen_data_command(studyhub, args, f"--attempts={args.attempts}")
            print(" ".join(command[1:]), flush=True)
            begun = time.monotonic()
            subprocess.run(command, env=env, check=True)
            gen_seconds = time.monotonic() - begun
        else:
            print("reusing the generated committee")
        subprocess.run(
            ["psql", args.database_url.replace("+psycopg", ""), "-qc", "VACUUM ANALYZE"],
            check=False,
            capture_output=True,
        )
        subjects = find_subjects(args.seed)
        load_before = os.getloadavg()[0]
        sql, sizes, scans = time_sql(subjects, args)
        pages = time_pages(subjects, env, args)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    info = {
        **base.machine(),
        "database": base.database_version(args.database_url),
        "gunicorn": metadata.version("gunicorn"),
        "commit": base.project_commit(None),
        "load": f"{load_before:.1f} before, {load_after:.1f} after",
    }
    section = report(
        started=started,
        args=args,
        subjects=subjects,
        info=info,
        gen_seconds=gen_seconds,
        sql=sql,
        sizes=sizes,
        scans=scans,
        pages=pages,
    )
    base.publish_section(section, write=not args.no_write, start=START, end=END, intro=INTRO)


if __name__ == "__main__":
    main()
