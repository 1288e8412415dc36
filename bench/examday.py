#!/usr/bin/env python
"""Exam day, open loop: 2,000 takers start an exam at once, then answer and browse.

Builds the data like ``bench/run.py`` (``studyhub db upgrade`` and ``studyhub
gen-data``; ``--reuse-data`` keeps a PostgreSQL committee), then, in this
process, an exam of :data:`QUESTIONS` questions assigned to the committee and a
login for each of ``--takers`` members: a login row through the accounts
service and the signed session cookie the app itself would set (with its CSRF
token), so 2,000 members need no 2,000 password checks. It starts gunicorn with
the production worker setup (``--workers`` × ``--worker-threads``, gthread) and
drives it from one asyncio process (aiohttp) at fixed arrival rates — an open
loop: a request is sent when its time comes, whether or not earlier ones have
been answered, and its latency counts from that time:

- the synchronised start: every taker posts "start" once within the first
  ``--start-window`` seconds (evenly spread), then loads the exam page it is sent to;
- all along ``--duration``: ``--save-rate`` answer saves per second (the page
  script's JSON save, each taker answering its own questions with rising
  sequence numbers) and ``--page-rate`` page loads per second, one in three each
  the exam page, the member home and the reading of the day.

It reports the achieved rates, p50/p95/p99 per kind of request, errors (status
≥ 400 other than the expected, or no answer within ``--timeout``), then counts the
answers in the database against the saves the server acknowledged (a lost one
is an acknowledged save the database does not hold). ``--step`` repeats the
steady mix at rising rates (``--step-by`` more saves and pages per second each
stage) until p95 reaches 500 ms or errors pass 1%, and reports the highest rate
held as takers (2,000 takers make 100 saves and 100 pages per second).

    python bench/examday.py --duration 20 --takers 300          # a short SQLite run
    python bench/examday.py                                      # 2,000 takers, 5 minutes
    python bench/examday.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench
    python bench/examday.py --step --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: the shared helpers)
from examday_load import (  # noqa: E402
    Load,
    Taker,
    error_share,
    overall_p95,
    stage_table,
)

START = "<!-- exam day: start -->"
END = "<!-- exam day: end -->"
QUESTIONS = 50
# 2,000 takers make 100 saves and 100 page loads per second: per taker and second, each.
PER_TAKER = 0.05
P95_GOAL_MS = 500.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2400)
    parser.add_argument("--branches", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--takers", type=int, default=2000)
    parser.add_argument("--database-url", help="as bench/run.py: a database whose name has 'bench'")
    parser.add_argument("--reuse-data", action="store_true", help="as bench/run.py")
    parser.add_argument("--duration", type=int, default=300, help="seconds of the steady mix")
    parser.add_argument("--start-window", type=float, default=60.0)
    parser.add_argument("--save-rate", type=float, default=100.0, help="answer saves per second")
    parser.add_argument("--page-rate", type=float, default=100.0, help="page loads per second")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before a request fails"
    )
    parser.add_argument("--step", action="store_true", help="raise the rate until p95 ≥ 500 ms")
    parser.add_argument("--step-by", type=float, default=20.0)
    parser.add_argument("--max-stages", type=int, default=10)
    base.add_server_arguments(parser)
    parser.set_defaults(worker_threads=4)  # the production setup (README, deploy/)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args()


# -- data ------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict:
    """The exam and every taker's session cookie (a login row, the cookie the app would set)."""
    from flask import session as flask_session
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from studyhub import create_app
    from studyhub.accounts.services import start_session
    from studyhub.benchdata.quizzes import BANK_NAME
    from studyhub.benchdata.run import find_committee
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.org.models import Member, RoleAssignment
    from studyhub.quizzes.models import Bank, QuestionType, QuizMode
    from studyhub.quizzes.services import quizzes

    app = create_app()
    serializer = app.session_interface.get_signing_serializer(app)
    lifetime = app.permanent_session_lifetime
    with app.app_context():
        session = db.session
        now = clock.now_utc()
        committee = find_committee(session, args.seed)
        bank = session.scalars(
            select(Bank).where(Bank.committee_id == committee.id, Bank.name == BANK_NAME)
        ).one()
        quiz = quizzes.create_quiz(
            session,
            committee,
            quizzes.QuizFields(
                title=f"基准·考试日 {datetime.now():%H%M%S}",
                mode=QuizMode.EXAM,
                attempts_allowed=None,
                time_limit_seconds=None,
                shuffle_questions=True,
                shuffle_options=True,
            ),
            by_user_id=None,
            now=now,
        )
        quizzes.add_rule_slot(
            session,
            quiz,
            bank_id=bank.id,
            category_id=None,
            include_subcategories=True,
            qtype=QuestionType.SINGLE,
            count=QUESTIONS,
            points=Decimal(2),
            actor_id=None,
            now=now,
        )
        quizzes.publish_quiz(session, quiz, actor_id=None, now=now)
        quizzes.assign_quiz(session, quiz, committee, actor_id=None, now=now)
        members = session.scalars(
            select(Member)
            .where(
                Member.committee_id == committee.id,
                Member.is_active.is_(True),
                Member.user_id.not_in(select(RoleAssignment.user_id)),
            )
            .order_by(Member.id)
            .limit(args.takers)
        ).all()
        takers = []
        for member in members:
            user = member.user
            start_session(user, now=now, lifetime=lifetime, is_remembered=False)
            with app.app_context(), app.test_request_context():  # a fresh g: its own token
                flask_session["_user_id"] = user.get_id()
                flask_session["_fresh"] = True
                flask_session["_seen"] = int(time.time())  # the idle clock starts now
                csrf = generate_csrf()
                cookie = serializer.dumps(dict(flask_session))
            takers.append({"user_id": user.id, "cookie": f"session={cookie}", "csrf": csrf})
        session.commit()
        quiz_id = quiz.id
        db.engine.dispose()
    return {"quiz_id": quiz_id, "takers": takers}


def check_saves(acked: dict[tuple[int, int], tuple[int, str]]) -> tuple[int, int, int]:
    """(acknowledged saves, lost, answers held) against the database."""
    from sqlalchemy import select

    from studyhub import create_app
    from studyhub.extensions import db
    from studyhub.quizzes.models import AttemptItem

    app = create_app()
    with app.app_context():
        rows = db.session.execute(
            select(
                AttemptItem.attempt_id,
                AttemptItem.position,
                AttemptItem.response_seq,
                AttemptItem.response,
            ).where(AttemptItem.attempt_id.in_(sorted({a for a, _p in acked})))
        ).all()
        db.engine.dispose()
    held = {(a, p): (seq, response) for a, p, seq, response in rows}
    lost = 0
    for key, (seq, response) in acked.items():
        found_seq, found = held.get(key, (0, None))
        if found_seq < seq or (found_seq == seq and found != response):
            lost += 1
            if lost <= 5:
                print(
                    f"lost: attempt {key[0]} question {key[1]}: acknowledged seq {seq} "
                    f"{response!r}, held seq {found_seq} {found!r}"
                )
    return len(acked), lost, sum(1 for _s, r in held.values() if r is not None)


# -- the report ------------------------------------------------------------------------------


def report(*, started, args, database, info, stages, checks, takers) -> str:
    lines = [
        f"### {started:%Y-%m-%d %H:%M %Z} — {database}",
        "",
        f"- Server: {base.server_setup(args)}; {takers:,} takers each with their own "
        f"session; exam of {QUESTIONS} questions (shuffled questions and options)",
        f"- Open loop: {args.save_rate:g} answer saves/s + {args.page_rate:g} page loads/s "
        f"(exam page, member home, reading page in turn) for {args.duration} s; the "
        f"start of every attempt spread over the first {args.start_window:g} s",
        f"- Machine: {info['machine']}; load {info['load']}; commit {info['commit']}",
        "",
    ]
    for label, stats, elapsed in stages:
        lines += [f"**{label}** ({elapsed:.0f} s)", "", *stage_table(stats, elapsed), ""]
        if stats.error_kinds:
            shown = ", ".join(f"{k}: {n:,}" for k, n in sorted(stats.error_kinds.items()))
            lines += [f"Errors: {shown}", ""]
    acked, lost, held = checks
    lines.append(
        f"Acknowledged answer saves checked against the database: {acked:,} (question "
        f"answers), **{lost:,} lost**; {held:,} answers held."
    )
    if args.step:
        held_rates = [
            (label, stats)
            for label, stats, _e in stages
            if overall_p95(stats) < P95_GOAL_MS and error_share(stats) <= 0.01
        ]
        if held_rates:
            label, _stats = held_rates[-1]
            lines.append(
                f"\nHighest stage held (p95 < {P95_GOAL_MS:.0f} ms, errors ≤ 1%): {label}."
            )
        else:
            lines.append("\nNo stage held p95 < 500 ms.")
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    studyhub = base.tool("studyhub")
    base.tool("gunicorn")
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-examday-"))
    url = base.bench_database(args.database_url, instance)
    env = base.server_env(url, instance)
    os.environ.update(env)  # the in-process app signs the cookies with the server's key
    server = None
    try:
        subprocess.run(
            [studyhub, "db", "upgrade"],
            env=env,
            cwd=base.PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        base.generate(studyhub, env, args, cwd=base.PROJECT_ROOT)
        print(f"preparing the exam and {args.takers:,} logins…", flush=True)
        data = prepare(args)
        takers = [Taker(**t) for t in data["takers"]]
        port = base.free_port()
        server = base.start_server(args, port, env, base.PROJECT_ROOT)
        base.wait_until_up(port, server)
        reading = base.todays_reading(port, takers[0].cookie)
        load = Load(args, port, data["quiz_id"], takers, reading)
        load_before = os.getloadavg()[0]
        stages = []
        save_rate, page_rate = args.save_rate, args.page_rate
        for number in range(1, (args.max_stages if args.step else 1) + 1):
            print(f"stage {number}: {save_rate:g} saves/s + {page_rate:g} pages/s…", flush=True)
            stats, elapsed = asyncio.run(
                load.run(
                    save_rate=save_rate,
                    page_rate=page_rate,
                    duration=args.duration,
                    starts=number == 1,
                )
            )
            label = (
                f"{save_rate:g} saves/s + {page_rate:g} pages/s "
                f"(≈ {save_rate / PER_TAKER:,.0f} takers)"
            )
            stages.append((label, stats, elapsed))
            print("\n".join(stage_table(stats, elapsed)), flush=True)
            if not args.step or overall_p95(stats) >= P95_GOAL_MS or error_share(stats) > 0.01:
                break
            save_rate += args.step_by
            page_rate += args.step_by
        acked: dict[tuple[int, int], tuple[int, str]] = {}
        for _label, stats, _elapsed in stages:
            for key, value in stats.acked.items():
                if acked.get(key, (0, ""))[0] < value[0]:
                    acked[key] = value
        checks = check_saves(acked) if acked else (0, 0, 0)
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # threads still stuck in requests
                server.kill()
                server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
    info = {
        **base.machine(),
        "gunicorn": metadata.version("gunicorn"),
        "commit": base.project_commit(None),
        "load": f"{load_before:.1f} before, {load_after:.1f} after",
    }
    section = report(
        started=started,
        args=args,
        database=base.database_version(url),
        info=info,
        stages=stages,
        checks=checks,
        takers=len(takers),
    )
    base.publish_section(
        section,
        write=not args.no_write,
        start=START,
        end=END,
        intro="## Exam day (bench/examday.py)\n\nOpen-loop exam-day mix; newest run first.",
    )


if __name__ == "__main__":
    main()
