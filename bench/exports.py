#!/usr/bin/env python
"""Benchmark the quarterly score export: time and memory growth, XLSX and CSV, open and closed.

On PostgreSQL (a database made for benchmarks, its name containing ``bench``):
``studyhub db upgrade``, ``studyhub gen-data`` (100,000 members in 2,000 branches
by default), then a quarter of study for the generated committee — readings of
the day, a plan with materials and a test, receipts, test attempts, daily-quiz
attempts and a few bonus entries, inserted server-side with ``INSERT … SELECT``.
Each export then runs in a fresh process (``--child``), which measures its
own resident memory just before the export and its peak after it
(``ru_maxrss``): the growth is what the export itself needed. The quarter is
exported while open (scores computed from the raw data) and once closed (read
from the frozen rows); the close itself is timed too.

Goals (issue 5): XLSX of 100,000 members within 60 s and 100 MB of memory
growth; CSV within 15 s. The figures go to their own section of
``bench/RESULTS.md``; the other sections are kept.

    python bench/exports.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench
    python bench/exports.py --database-url … --reuse-data      # keep the generated data
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
START = "<!-- score exports: start -->"
END = "<!-- score exports: end -->"
RUNS_MARKER = "<!-- runs, newest first -->"
PLAN_TITLE = "基准测试季度学习 {quarter}"
GOALS = {"xlsx": (60.0, 100.0), "csv": (15.0, None)}  # seconds, MB of growth


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--reuse-data", action="store_true", help="keep generated data if there")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # "xlsx" or "csv": one measurement
    parser.add_argument("--quarter", help=argparse.SUPPRESS)
    return parser.parse_args()


def rss_mb() -> float:
    """The process's resident memory now, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class Sampler(threading.Thread):
    """The highest resident memory seen, sampled every few milliseconds while running."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def stop(self) -> float:
        self.done.set()
        self.join()
        return max(self.peak, rss_mb())


def app_context():
    from studyhub import create_app

    return create_app().app_context()


# The data ---------------------------------------------------------------------------------------


def seed_quarter(seed: int, quarter_label: str) -> dict[str, int]:
    """A quarter of study for the generated committee (once: found again by the plan's title)."""
    from sqlalchemy import select, text

    from studyhub.benchdata.run import find_committee
    from studyhub.extensions import db
    from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
    from studyhub.quizzes.models import Quiz, QuizMode
    from studyhub.reports.quarters import Quarter

    quarter = Quarter.parse(quarter_label)
    with app_context():
        session = db.session
        committee = find_committee(session, seed)
        if committee is None:
            sys.exit("no generated committee: run without --reuse-data")
        title = PLAN_TITLE.format(quarter=quarter.label)
        done = session.scalars(select(StudyPlan).where(StudyPlan.title == title)).first()
        if done is not None:
            print("reusing the quarter's study data", flush=True)
            test = session.scalars(select(Quiz).where(Quiz.title == title)).one()
            daily = session.scalars(
                select(Quiz).where(Quiz.committee_id == committee.id, Quiz.mode == QuizMode.DAILY)
            ).one()
            return {
                "committee_id": committee.id,
                **_counts(session, {"c": committee.id, "test": test.id, "daily": daily.id}),
            }
        now = datetime.now(UTC)
        params = {
            "c": committee.id,
            "first": quarter.first_day,
            "last": quarter.last_day,
            "start": quarter.starts_at(committee.timezone),
            "now": now,
        }
        print("readings of the day…", flush=True)
        session.execute(
            text(
                """
                INSERT INTO reading (committee_id, title, author, source, summary, body_markdown,
                    body_html, body_text, char_count, reading_seconds, min_seconds, daily_on,
                    published_at, created_at, updated_at)
                SELECT :c, '每日一读 ' || d::date, '', '', '', '', '', '', 0, 60, 30, d::date,
                    d::date - interval '8 hours', :now, :now
                FROM generate_series(CAST(:first AS date), CAST(:last AS date), '1 day') AS d
                ON CONFLICT DO NOTHING
                """
            ),
            params,
        )
        test = Quiz(committee_id=committee.id, title=title, mode=QuizMode.EXAM,
                    created_at=now, updated_at=now)  # fmt: skip
        session.add(test)
        daily = session.scalars(
            select(Quiz).where(Quiz.committee_id == committee.id, Quiz.mode == QuizMode.DAILY)
        ).first()
        if daily is None:
            daily = Quiz(committee_id=committee.id, title="每日答题", mode=QuizMode.DAILY,
                         created_at=now, updated_at=now)  # fmt: skip
            session.add(daily)
        session.flush()
        plan = StudyPlan(
            committee_id=committee.id, title=title, year=quarter.year, quarter=quarter.number,
            quiz_id=test.id, starts_on=quarter.first_day, due_on=quarter.last_day,
            published_at=params["start"], created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(plan)
        session.flush()
        session.add(PlanTarget(plan_id=plan.id, unit_id=committee.id))
        for position in range(1, 6):
            reading_id = session.execute(
                text(
                    """
                    INSERT INTO reading (committee_id, title, author, source, summary,
                        body_markdown, body_html, body_text, char_count, reading_seconds,
                        min_seconds, published_at, created_at, updated_at)
                    VALUES (:c, :title, '', '', '', '', '', '', 0, 300, 120, :start, :now, :now)
                    RETURNING id
                    """
                ),
                {**params, "title": f"{title} 材料{position}"},
            ).scalar_one()
            session.add(PlanMaterial(plan_id=plan.id, reading_id=reading_id, position=position))
        session.flush()
        params.update(test=test.id, daily=daily.id, plan=plan.id)
        # Each member has an "ability" in [0.2, 1) from their id: how much of the quarter's
        # study they do.
        ability = "(0.2 + ((m.id * 7919) % 80) / 100.0)"
        print("read receipts…", flush=True)
        session.execute(text(f"SELECT setseed({(seed % 100) / 100})"))
        session.execute(
            text(
                f"""
                INSERT INTO read_receipt (reading_id, user_id, opened_at, last_seen_at,
                    seconds_spent, reached_end, studied_at, studied_on)
                SELECT r.id, m.user_id, r.published_at + interval '9 hours',
                    r.published_at + interval '9 hours 5 minutes', 300, true,
                    r.published_at + interval '9 hours 5 minutes',
                    (r.published_at + interval '17 hours')::date
                FROM member m
                JOIN reading r ON r.committee_id = m.committee_id
                WHERE m.committee_id = :c AND m.is_active
                  AND ((r.daily_on BETWEEN :first AND :last)
                       OR r.id IN (SELECT reading_id FROM plan_material WHERE plan_id = :plan))
                  AND random() < {ability} * 0.6
                ON CONFLICT DO NOTHING
                """
            ),
            params,
        )
        print("test attempts…", flush=True)
        session.execute(
            text(
                f"""
                INSERT INTO attempt (quiz_id, user_id, number, state, seed, started_at,
                    submitted_at, is_auto_submitted, score, max_score, percent, is_passed)
                SELECT :test, m.user_id, 1, 'submitted', 1, s.at - interval '20 minutes', s.at,
                    false, s.pct, 100, s.pct, s.pct >= 60
                FROM member m,
                LATERAL (SELECT round(CAST(100 * {ability} * (0.7 + random() * 0.3) AS numeric), 2)
                                AS pct,
                                CAST(:start AS timestamptz) + random() * interval '80 days'
                                AS at) s
                WHERE m.committee_id = :c AND m.is_active AND random() < {ability} + 0.1
                """
            ),
            params,
        )
        print("daily-quiz attempts…", flush=True)
        session.execute(
            text(
                f"""
                INSERT INTO attempt (quiz_id, user_id, number, daily_on, state, seed, started_at,
                    submitted_at, is_auto_submitted, score, max_score, percent, is_passed)
                SELECT :daily, m.user_id, (d::date - CAST(:first AS date)) + 1, d::date,
                    'submitted', 1, d::date - interval '6 hours', d::date - interval '5 hours',
                    false, 5, 5, 100, true
                FROM member m
                CROSS JOIN generate_series(CAST(:first AS date), CAST(:last AS date), '1 day') d
                WHERE m.committee_id = :c AND m.is_active AND random() < {ability} * 0.5
                ON CONFLICT DO NOTHING
                """
            ),
            params,
        )
        print("bonus entries…", flush=True)
        session.execute(
            text(
                """
                INSERT INTO score_adjustment (committee_id, user_id, year, quarter, points,
                    reason, created_at)
                SELECT :c, m.user_id, :year, :q, 2, '志愿服务', :now
                FROM member m WHERE m.committee_id = :c AND m.id % 100 = 0
                """
            ),
            {**params, "year": quarter.year, "q": quarter.number},
        )
        session.commit()
        counts = _counts(session, params)
        session.commit()
        # As autovacuum would have by the quarter's end: statistics and the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return {"committee_id": committee.id, **counts}


def clear_quarter_data(seed: int) -> None:
    """Delete what this script added for the generated committee, so gen-data can replace it."""
    from sqlalchemy import text

    from studyhub.benchdata.run import find_committee
    from studyhub.extensions import db

    with app_context():
        session = db.session
        committee = find_committee(session, seed)
        if committee is None:
            return
        plans = "SELECT id FROM study_plan WHERE committee_id = :c"
        ours = "SELECT id FROM quiz WHERE committee_id = :c AND (mode = 'daily' OR title LIKE :t)"
        for statement in (
            "DELETE FROM frozen_score WHERE committee_id = :c",
            "DELETE FROM quarter_close WHERE committee_id = :c",
            "DELETE FROM rating_override WHERE committee_id = :c",
            "DELETE FROM score_adjustment WHERE committee_id = :c",
            "DELETE FROM export_job WHERE committee_id = :c",
            "DELETE FROM read_receipt WHERE reading_id IN "
            "(SELECT id FROM reading WHERE committee_id = :c)",
            f"DELETE FROM plan_material WHERE plan_id IN ({plans})",
            f"DELETE FROM plan_target WHERE plan_id IN ({plans})",
            "DELETE FROM study_plan WHERE committee_id = :c",
            "DELETE FROM reading WHERE committee_id = :c",
            f"DELETE FROM attempt_item WHERE attempt_id IN "
            f"(SELECT id FROM attempt WHERE quiz_id IN ({ours}))",
            f"DELETE FROM attempt WHERE quiz_id IN ({ours})",
            f"DELETE FROM quiz_slot WHERE quiz_id IN ({ours})",
            "DELETE FROM quiz WHERE committee_id = :c AND (mode = 'daily' OR title LIKE :t)",
        ):
            session.execute(text(statement), {"c": committee.id, "t": "基准测试季度学习%"})
        session.commit()


def _counts(session, params: dict) -> dict[str, int]:
    from sqlalchemy import text

    receipts = (
        "SELECT count(*) FROM read_receipt rr JOIN member m ON m.user_id = rr.user_id"
        " WHERE m.committee_id = :c"
    )
    attempts = "SELECT count(*) FROM attempt WHERE quiz_id IN (:test, :daily)"
    return {
        "receipts": session.scalar(text(receipts), params),
        "attempts": session.scalar(text(attempts), params),
    }


def set_closed(committee_id: int, quarter_label: str, closed: bool) -> float:
    """Close the quarter (timed) or undo any close of it (bench data only)."""
    from sqlalchemy import delete

    from studyhub.extensions import db
    from studyhub.org.models import OrgUnit
    from studyhub.reports.models import FrozenScore, QuarterClose
    from studyhub.reports.quarters import Quarter
    from studyhub.reports.services import closing

    quarter = Quarter.parse(quarter_label)
    with app_context():
        session = db.session
        committee = session.get(OrgUnit, committee_id)
        for model in (FrozenScore, QuarterClose):
            session.execute(
                delete(model).where(
                    model.committee_id == committee_id,
                    model.year == quarter.year,
                    model.quarter == quarter.number,
                )
            )
        begun = time.monotonic()
        if closed:
            closing.close_quarter(session, committee, quarter, by=None, now=datetime.now(UTC))
        session.commit()
        return time.monotonic() - begun


# One measurement (a child process) -----------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    from sqlalchemy import text

    from studyhub.benchdata.run import find_committee
    from studyhub.extensions import db
    from studyhub.reports.quarters import Quarter
    from studyhub.reports.services import exports

    with app_context():
        session = db.session
        committee = find_committee(session, args.seed)
        session.execute(text("SELECT 1"))
        quarter = Quarter.parse(args.quarter)
        out = Path(tempfile.mkdtemp()) / f"scores.{args.child}"
        before = rss_mb()
        peak_before = peak_mb()
        sampler = Sampler()
        sampler.start()
        begun = time.monotonic()
        cpu = time.process_time()
        rows = exports.export_scores(
            session, committee, committee, quarter, args.child, out, now=datetime.now(UTC)
        )
        seconds = time.monotonic() - begun
        cpu = time.process_time() - cpu
        sampled = sampler.stop()
        # ru_maxrss counts only if the export raised it past what the process had reached.
        peak = max(sampled, peak_mb() if peak_mb() > peak_before else 0.0)
        size = out.stat().st_size
        out.unlink()
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "rss_before": before,
                      "peak": peak, "bytes": size}))  # fmt: skip


def measure(env: dict[str, str], args: argparse.Namespace, quarter: str, fmt: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--database-url", args.database_url, "--seed", str(args.seed),
         "--child", fmt, "--quarter", quarter],
        env=env, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


# The report ----------------------------------------------------------------------------------


def report(args, quarter: str, data: dict, close_seconds: float, figures: dict) -> str:
    from importlib import metadata

    from sqlalchemy import create_engine, text

    engine = create_engine(args.database_url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    processor = platform.processor() or platform.machine()
    load = os.getloadavg()[0]
    lines = [
        START,
        "## Score exports (`bench/exports.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {processor}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, PostgreSQL {version}, "
        f"XlsxWriter {metadata.version('xlsxwriter')}, studyhub {commit}.",
        f"Data: `studyhub gen-data --members {args.members} --branches {args.branches} "
        f"--seed {args.seed}`, then quarter {quarter} of study: "
        f"{data.get('receipts', '?'):,} read receipts, {data.get('attempts', '?'):,} test and "
        "daily-quiz attempts, a plan with 5 materials and a test, bonus entries for 1% of "
        "members (no meetings: attendance does not count).",
        "Each export runs in a fresh process; memory growth is its peak resident memory "
        "(sampled every 5 ms, and `ru_maxrss` when the export raised it) less its resident "
        "memory just before the export. CPU is the export "
        f"process's own time; the machine's load average was {load:.1f} at the end (other "
        "work on the machine stretches the wall-clock seconds, not the CPU seconds).",
        "",
        "| quarter | format | members | seconds | CPU s | memory growth (MB) | file (MB) | goal |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for (state, fmt), f in figures.items():
        growth = max(0.0, f["peak"] - f["rss_before"])
        seconds_goal, memory_goal = GOALS[fmt]
        met = f["seconds"] <= seconds_goal and (memory_goal is None or growth <= memory_goal)
        goal = f"≤ {seconds_goal:.0f} s" + (f", ≤ {memory_goal:.0f} MB" if memory_goal else "")
        lines.append(
            f"| {state} | {fmt.upper()} | {f['rows']:,} | {f['seconds']:.1f} | {f['cpu']:.1f} | "
            f"{growth:.0f} | "
            f"{f['bytes'] / 1e6:.1f} | {goal}: {'met' if met else 'NOT met'} |"
        )
    lines += [
        "",
        "An open quarter is computed from the raw rows: one aggregate statement over the "
        "receipts and attempts, then two streaming passes in Python, one to rank and one to "
        "write; the ranking keeps one small tuple per member (most of the open quarter's memory "
        "growth). A closed quarter reads its frozen rows.",
        "",
        f"Closing the quarter (computing and freezing {figures[('open', 'xlsx')]['rows']:,} "
        f"scores with their explanations): {close_seconds:.1f} s.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_results(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    if START in text and END in text:
        head, _s, rest = text.partition(START)
        _old, _e, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    elif RUNS_MARKER in text:
        head, _s, rest = text.partition(RUNS_MARKER)
        text = head + section + "\n" + RUNS_MARKER + rest
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    args = parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("--database-url: use a database made for this, its name containing 'bench'")
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-exports-"))
    env = {
        **os.environ,
        "STUDYHUB_ENV": "production",
        "STUDYHUB_SECRET_KEY": os.environ.get("STUDYHUB_SECRET_KEY") or secrets.token_hex(32),
        "STUDYHUB_DATABASE_URL": args.database_url,
        "STUDYHUB_INSTANCE_PATH": str(instance),
    }
    os.environ.update(env)
    if args.child:
        child(args)
        return
    studyhub = str(Path(sys.executable).with_name("studyhub"))
    subprocess.run([studyhub, "db", "upgrade"], env=env, cwd=PROJECT_ROOT, check=True,
                   capture_output=True)  # fmt: skip
    from studyhub.reports.quarters import Quarter

    quarter = Quarter.at(datetime.now(UTC), "Asia/Shanghai").previous().label
    if not (args.reuse_data and _committee_exists(args.seed)):
        command = [studyhub, "gen-data", f"--members={args.members}",
                   f"--branches={args.branches}", f"--seed={args.seed}", "--replace"]  # fmt: skip
        clear_quarter_data(args.seed)
        print(" ".join(command[1:]), flush=True)
        subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True)
    data = seed_quarter(args.seed, quarter)
    figures: dict[tuple[str, str], dict] = {}
    set_closed(data["committee_id"], quarter, closed=False)
    for fmt in ("xlsx", "csv"):
        print(f"open quarter, {fmt}…", flush=True)
        figures[("open", fmt)] = measure(env, args, quarter, fmt)
        print(figures[("open", fmt)], flush=True)
    print("closing the quarter…", flush=True)
    close_seconds = set_closed(data["committee_id"], quarter, closed=True)
    for fmt in ("xlsx", "csv"):
        print(f"closed quarter, {fmt}…", flush=True)
        figures[("closed", fmt)] = measure(env, args, quarter, fmt)
        print(figures[("closed", fmt)], flush=True)
    section = report(args, quarter, data, close_seconds, figures)
    print()
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS.relative_to(PROJECT_ROOT)}")


def _committee_exists(seed: int) -> bool:
    from studyhub.benchdata.run import find_committee
    from studyhub.extensions import db

    with app_context():
        return find_committee(db.session, seed) is not None


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    main()
