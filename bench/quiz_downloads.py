#!/usr/bin/env python
"""Memory and time of a quiz's results and responses downloads with 100,000 attempts.

In this process, on SQLite in a temporary folder (or a PostgreSQL database whose
name contains ``bench``): gen-data's organisation and one exam taken by
``--attempts`` members (10 questions each, so 1,000,000 answers by default),
then each download — results and responses, CSV and XLSX — of the whole
committee, as the download view makes it (``quizzes.services.results``).

Memory is Python's own allocations traced while the file is made
(``tracemalloc``): the peak after the first 10,000 rows and at the end of a CSV
stream, and the peak of the XLSX writer. Bounded means the end's peak is about
the 10,000-row peak (one member's or one attempt's rows held at a time, rows read
with ``yield_per``, XlsxWriter in constant-memory mode), far below the file's size.
Times are taken with the tracing on, which slows Python several times; ``--no-trace``
times the same downloads without it (and reports no memory).

    python bench/quiz_downloads.py                    # 100,000 attempts, SQLite
    python bench/quiz_downloads.py --attempts 5000    # a short run
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SEED = 17
CHECKPOINT = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL (a database named *bench*)")
    parser.add_argument(
        "--no-trace",
        action="store_true",
        help="time without tracemalloc (tracing slows the run several times)",
    )
    return parser.parse_args()


def mb(size: float | None) -> str:
    return f"{size / 1_000_000:.1f} MB" if size else "-"


def trace(args: argparse.Namespace) -> None:
    if not args.no_trace:
        tracemalloc.start()


def traced_peak() -> int | None:
    return tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None


def main() -> None:
    args = parse_args()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-downloads-"))
    url = args.database_url or f"sqlite:///{instance / 'bench.sqlite'}"
    if args.database_url and "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("--database-url: use a database made for this, its name containing 'bench'")
    os.environ["STUDYHUB_INSTANCE_PATH"] = str(instance)

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from studyhub import create_app
    from studyhub.benchdata import run as gendata
    from studyhub.core import clock
    from studyhub.core.schema import drop_all_tables
    from studyhub.extensions import db
    from studyhub.quizzes.models import Attempt, Quiz
    from studyhub.quizzes.services import results

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), app.test_request_context():
        drop_all_tables(db.engine)
        upgrade()
        session = db.session
        t0 = time.perf_counter()
        members = max(args.attempts, 10 * args.branches)
        gen = gendata.generate(
            session,
            members=members,
            branches=args.branches,
            seed=SEED,
            now=clock.now_utc(),
            password_hash="bench-not-a-login",
            attempts=args.attempts,
        )
        session.commit()
        committee = gen.committee
        quiz_id, count = session.execute(  # the generated exam with the most attempts
            select(Attempt.quiz_id, func.count(Attempt.id))
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Quiz.committee_id == committee.id)
            .group_by(Attempt.quiz_id)
            .order_by(func.count(Attempt.id).desc())
            .limit(1)
        ).one()
        quiz = session.get_one(Quiz, quiz_id)
        print(
            f"data: {members} members, {count} attempts of one exam "
            f"({time.perf_counter() - t0:.0f} s)\n"
        )
        print(
            f"{'download':<22} {'rows':>8} {'size':>10} {'time':>8} "
            f"{'peak @10k rows':>15} {'peak at end':>12}"
        )
        for kind in results.KINDS:
            trace(args)
            t0 = time.perf_counter()
            rows = size = 0
            at_checkpoint = None
            for line in results.csv_stream(session, quiz, committee, kind):
                size += len(line.encode())
                rows += 1
                if rows == CHECKPOINT:
                    at_checkpoint = traced_peak()
            peak = traced_peak()
            tracemalloc.stop()
            print(
                f"{kind + '.csv':<22} {rows - 1:>8} {mb(size):>10} "
                f"{time.perf_counter() - t0:>7.1f}s "
                f"{mb(at_checkpoint):>15} {mb(peak):>12}"
            )
            path = instance / f"{kind}.xlsx"
            trace(args)
            t0 = time.perf_counter()
            written = results.write_xlsx(session, quiz, committee, kind, path)
            peak = traced_peak()
            tracemalloc.stop()
            print(
                f"{kind + '.xlsx':<22} {written:>8} {mb(path.stat().st_size):>10} "
                f"{time.perf_counter() - t0:>7.1f}s {'-':>15} {mb(peak):>12}"
            )
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
