#!/usr/bin/env python
"""Bursts of writes at one moment, over a background of exam answer saves.

What a morning brings at once (issue 12): on ``gunicorn -w 2`` (sync workers, as the
README runs it), with members' JSON answer saves going on in the background, all at
the same moment:

- 50 logins of distinct members through the login form (one address, right passwords);
- 50 QR check-ins to one meeting (members of its branch, the current code);
- 20 daily-quiz answers by 20 members, plus 6 double taps (the same answer again at once);
- 20 comments on the reading of the day.

Every request of the burst is prepared first (its member logged in, its form's CSRF
token read), then they all start together behind a barrier, one thread each. It
reports per kind the errors (5xx, or no answer; the goal is none on both databases),
429s, and p50/p95/p99 latency, and the background's saves per second before the
burst (quiet) and while it lasts, next to bench/quizzes.py's latest figure for the same
database in RESULTS.md. Figures go to their own section of ``bench/RESULTS.md``.

    python bench/bursts.py                       # SQLite in a temporary folder
    python bench/bursts.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: server, logins, the machine)

START = "<!-- bursts: start -->"
END = "<!-- bursts: end -->"
LOGINS, CHECKINS, DAILY, DOUBLE_TAPS, COMMENTS = 50, 50, 20, 6, 20
SAVERS = 8  # background threads saving exam answers
SAVE_QUESTIONS = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--branches", type=int, default=16)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--database-url", help="as bench/run.py: a database whose name has 'bench'")
    parser.add_argument("--quiet-seconds", type=float, default=8.0)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    base.add_server_arguments(parser)
    return parser.parse_args()


# -- HTTP --------------------------------------------------------------------------------


def call(
    port: int, method: str, path: str, *, cookie: str = "", form=None, body=None, headers=None
):
    """(status, set cookies, location, text, seconds) of one request; status 0 if no answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = {"Accept-Language": "zh-CN", **(headers or {})}
    if cookie:
        sent["Cookie"] = cookie
    if form is not None:
        body = urllib.parse.urlencode(form, doseq=True)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
    except OSError as exc:
        return 0, {}, "", str(exc), time.perf_counter() - started
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _sep, value = header.split(";", 1)[0].partition("=")
        cookies[name.strip()] = value.strip()
    return response.status, cookies, response.headers.get("Location", ""), text, seconds


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:
        raise SystemExit("a page had no CSRF token")
    return match.group(1)


def with_cookies(cookie: str, new: dict[str, str]) -> str:
    jar = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
    jar.update(new)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# -- the data ----------------------------------------------------------------------------


def prepare(args: argparse.Namespace, password: str) -> dict:
    """In this process, through the services: usable passwords, an exam with attempts for
    the background, a meeting with check-in open, the daily quiz; returns the logins."""
    from sqlalchemy import func, select

    from studyhub import create_app
    from studyhub.accounts.models import User
    from studyhub.accounts.services import hash_password
    from studyhub.benchdata.quizzes import BANK_NAME
    from studyhub.benchdata.run import find_committee
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.meetings.models import MeetingKind
    from studyhub.meetings.services import attendance, records
    from studyhub.org.models import Member, OrgUnit, RoleAssignment
    from studyhub.quizzes.models import Bank, QuestionType, QuizMode
    from studyhub.quizzes.services import attempts, daily, quizzes
    from studyhub.quizzes.views.attempt import attempt_token

    app = create_app()
    with app.app_context(), app.test_request_context():
        session = db.session
        now = clock.now_utc()
        committee = find_committee(session, args.seed)
        staff = set(session.scalars(select(RoleAssignment.user_id)))
        sizes = session.execute(
            select(Member.branch_id, func.count())
            .where(Member.committee_id == committee.id)
            .group_by(Member.branch_id)
            .order_by(func.count().desc())
        ).first()
        branch = session.get(OrgUnit, sizes[0])
        members = [
            m
            for m in session.scalars(
                select(Member).where(Member.committee_id == committee.id).order_by(Member.id)
            )
            if m.user_id not in staff
        ]
        in_branch = [m for m in members if m.branch_id == branch.id][:CHECKINS]
        others = [m for m in members if m.branch_id != branch.id]
        logins = others[:LOGINS]
        daily_members = others[LOGINS : LOGINS + DAILY]
        commenters = others[LOGINS + DAILY : LOGINS + DAILY + COMMENTS]
        savers = others[LOGINS + DAILY + COMMENTS : LOGINS + DAILY + COMMENTS + SAVERS]
        secretary = session.scalars(
            select(User).where(User.id.in_(select(RoleAssignment.user_id))).limit(1)
        ).one()
        # Imported members have no usable password until activated: give these one.
        hashed = hash_password(password, method=app.config["PASSWORD_HASH_METHOD"])
        for member in [*in_branch, *logins, *daily_members, *commenters, *savers]:
            user = member.user
            user.password_hash = hashed
            for name in ("must_change_password",):
                if hasattr(user, name):
                    setattr(user, name, False)
            if hasattr(user, "is_enabled"):
                user.is_enabled = True
        bank = session.scalars(
            select(Bank).where(Bank.committee_id == committee.id, Bank.name == BANK_NAME)
        ).one()
        exam = quizzes.create_quiz(
            session,
            committee,
            quizzes.QuizFields(
                title=f"基准·突发 {datetime.now():%H%M%S}",
                mode=QuizMode.EXAM,
                attempts_allowed=None,
                time_limit_seconds=None,
            ),
            by_user_id=None,
            now=now,
        )
        quizzes.add_rule_slot(
            session,
            exam,
            bank_id=bank.id,
            category_id=None,
            include_subcategories=True,
            qtype=QuestionType.SINGLE,
            count=SAVE_QUESTIONS,
            points=Decimal(1),
            actor_id=None,
            now=now,
        )
        quizzes.publish_quiz(session, exam, actor_id=None, now=now)
        quizzes.assign_quiz(session, exam, committee, actor_id=None, now=now)
        save_attempts = []
        for index, member in enumerate(savers):
            attempt = attempts.start_attempt(
                session, exam, user_id=member.user_id, now=now, seed=index
            )
            session.flush()
            save_attempts.append((member.user.phone, attempt.id, attempt_token(attempt)))
        meeting = records.plan_meeting(
            session,
            branch,
            records.MeetingFields(
                kind=MeetingKind.GENERAL_MEETING,
                title="基准·签到",
                planned_at=now + timedelta(minutes=10),
            ),
            by=secretary,
            now=now,
        )
        attendance.open_checkin(session, meeting, by=secretary, now=now)
        daily.ensure_daily_quiz(session, committee, now=now)
        session.commit()
        result = {
            "checkins": [m.user.phone for m in in_branch],
            "logins": [m.user.phone for m in logins],
            "daily": [m.user.phone for m in daily_members],
            "commenters": [m.user.phone for m in commenters],
            "savers": save_attempts,
            "meeting": meeting.id,
        }
        db.engine.dispose()
    return result


def checkin_token(meeting_id: int) -> str:
    from studyhub import create_app
    from studyhub.core import clock
    from studyhub.meetings.services import attendance

    app = create_app()
    return attendance.checkin_token(meeting_id, secret=app.secret_key, now=clock.now_utc())


# -- the burst ---------------------------------------------------------------------------


def ready(port: int, data: dict, password: str) -> list[tuple[str, dict]]:
    """Every burst request, prepared: (kind, request) with its cookie and CSRF token."""
    jobs: list[tuple[str, dict]] = []
    for phone in data["logins"]:
        status, cookies, _l, page, _s = call(port, "GET", "/login")
        form = {"csrf_token": csrf_of(page), "identifier": phone, "password": password}
        cookie = with_cookies("", cookies)
        jobs.append(("login", {"method": "POST", "path": "/login", "cookie": cookie, "form": form}))
    token = checkin_token(data["meeting"])
    for phone in data["checkins"]:
        cookie = base.log_in(port, phone, password)
        path = f"/meetings/{data['meeting']}/checkin"
        _st, new, _l, page, _s = call(port, "GET", f"{path}?t={token}", cookie=cookie)
        cookie = with_cookies(cookie, new)
        form = {"csrf_token": csrf_of(page), "token": token}
        jobs.append(("check-in", {"method": "POST", "path": path, "cookie": cookie, "form": form}))
    first_daily: list[dict] = []
    for phone in data["daily"]:
        cookie = base.log_in(port, phone, password)
        _st, new, _l, page, _s = call(port, "GET", "/quizzes/daily", cookie=cookie)
        cookie = with_cookies(cookie, new)
        status, new, location, _t, _s = call(
            port,
            "POST",
            "/quizzes/daily/start",
            cookie=cookie,
            form={"csrf_token": csrf_of(page)},
        )
        cookie = with_cookies(cookie, new)
        path = urllib.parse.urlsplit(location).path
        if status != 302 or not path.startswith("/quizzes/daily/"):
            raise SystemExit(f"starting the daily quiz gave {status} {location}")
        _st, new, _l, page, _s = call(port, "GET", path, cookie=cookie)
        option = re.search(r'name="response"[^>]*value="([^"]+)"', page)
        form = {"csrf_token": csrf_of(page), "response": option.group(1) if option else "A"}
        request = {"method": "POST", "path": path, "cookie": cookie, "form": form}
        jobs.append(("daily answer", request))
        first_daily.append(request)
    for request in first_daily[:DOUBLE_TAPS]:
        jobs.append(("daily double tap", dict(request)))
    for phone in data["commenters"]:
        cookie = base.log_in(port, phone, password)
        reading = base.todays_reading(port, cookie)
        _st, new, _l, page, _s = call(port, "GET", reading, cookie=cookie)
        cookie = with_cookies(cookie, new)
        form = {"csrf_token": csrf_of(page), "text": f"学习了，受益匪浅。{secrets.token_hex(3)}"}
        path = f"{reading}/comments"
        jobs.append(("comment", {"method": "POST", "path": path, "cookie": cookie, "form": form}))
    return jobs


class Savers:
    """Background exam answer saves (the page script's JSON post), counted per second."""

    def __init__(self, port: int, people: list[tuple[str, int, str, str]]) -> None:
        self.port = port
        self.people = people
        self.stop = threading.Event()
        self.marks: list[tuple[float, int]] = []  # (time, status)
        self.lock = threading.Lock()

    def run(self, index: int) -> None:
        _phone, attempt_id, token, cookie = self.people[index]
        seq = 0
        while not self.stop.is_set():
            seq += 1
            body = json.dumps(
                {"position": seq % SAVE_QUESTIONS + 1, "response": "ABCD"[seq % 4], "seq": seq}
            )
            status, _c, _l, _t, _s = call(
                self.port,
                "POST",
                f"/quizzes/attempts/{attempt_id}/answer",
                cookie=cookie,
                body=body,
                headers={"Content-Type": "application/json", "X-Attempt-Token": token},
            )
            with self.lock:
                self.marks.append((time.perf_counter(), status))

    def rate(self, start: float, end: float) -> tuple[float, int]:
        """Saves answered 200 per second between ``start`` and ``end``, and the errors."""
        with self.lock:
            inside = [s for t, s in self.marks if start <= t < end]
        ok = sum(1 for s in inside if s == 200)
        return ok / max(end - start, 1e-9), sum(1 for s in inside if s != 200)


def burst(port: int, jobs: list[tuple[str, dict]]) -> tuple[list[tuple[str, int, float]], float]:
    barrier = threading.Barrier(len(jobs) + 1)
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def one(kind: str, request: dict) -> None:
        barrier.wait()
        status, _c, _l, _t, seconds = call(
            port, request["method"], request["path"], cookie=request["cookie"], form=request["form"]
        )
        with lock:
            results.append((kind, status, seconds))

    threads = [threading.Thread(target=one, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


# -- the report --------------------------------------------------------------------------


def earlier_save_rate(database: str) -> str:
    """bench/quizzes.py's newest answer-save figure for this database in RESULTS.md."""
    text = base.RESULTS.read_text(encoding="utf-8") if base.RESULTS.exists() else ""
    section = text.partition("<!-- quiz engine: start -->")[2]
    for block in section.split("\n### ")[1:]:
        if database.split()[0] in block.splitlines()[0]:
            match = re.search(r"\| answer save \(JSON POST\) \| ([\d,]+) \| (\d+%)", block)
            if match:
                rate, ratio = match.groups()
                return f"{rate} req/s ({ratio} of the floor), run of {block.splitlines()[0]}"
    return "none recorded"


def report(*, started, args, database, info, results, seconds, quiet, during, earlier) -> str:
    lines = [
        f"### {started:%Y-%m-%d %H:%M} UTC — {database.split()[0]}",
        "",
        f"- Machine: {info['machine']} (`nproc` {os.cpu_count()}); load average {info['load']}",
        f"- Software: {database}, gunicorn {info['gunicorn']}, studyhub {info['commit']}",
        f"- Data: `studyhub gen-data --members {args.members} --branches {args.branches} "
        f"--seed {args.seed}`; {SAVERS} members saving exam answers in the background",
        f"- Load: {base.server_setup(args)}; {LOGINS} logins, {CHECKINS} check-ins to one "
        f"meeting, {DAILY} daily-quiz answers + {DOUBLE_TAPS} double taps, {COMMENTS} "
        f"comments, all released at once ({len(results)} requests, done in {seconds:.1f} s)",
        "",
        "| kind | requests | errors (5xx, no answer) | 429 | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    total_errors = 0
    for kind in ("login", "check-in", "daily answer", "daily double tap", "comment"):
        mine = [(s, t) for k, s, t in results if k == kind]
        errors = sum(1 for s, _t in mine if s == 0 or s >= 500)
        total_errors += errors
        times = [t * 1000 for _s, t in mine]
        statuses = ", ".join(
            f"{s}×{n}"
            for s, n in sorted({s: sum(1 for x, _ in mine if x == s) for s, _ in mine}.items())
        )
        lines.append(
            f"| {kind} | {len(mine)} | {errors} | {sum(1 for s, _t in mine if s == 429)} | "
            f"{percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | "
            f"{percentile(times, 0.99):.0f} | {statuses} |"
        )
    lines += [
        "",
        f"Background answer saves ({SAVERS} connections, one request at a time each): "
        f"{quiet[0]:.0f}/s quiet before the burst, {during[0]:.0f}/s during it; errors "
        f"{quiet[1]} and {during[1]}. bench/quizzes.py's latest figure on this database "
        f"(wrk, 64 connections): {earlier}.",
        "",
        "Goals:",
        "",
        f"- no errors on both databases: {total_errors + quiet[1] + during[1]} — "
        f"{'met' if total_errors + quiet[1] + during[1] == 0 else 'NOT met'}",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = base.RESULTS.read_text(encoding="utf-8") if base.RESULTS.exists() else ""
    if START in text:
        head, _sep, rest = text.partition(START)
        body, _sep, tail = rest.partition(END)
        intro, _sep, runs = body.partition("\n### ")
        runs = ("### " + runs) if runs else ""
        text = f"{head}{START}{intro.rstrip()}\n\n{section}\n{runs.strip()}\n\n{END}{tail}"
    else:
        text = (
            f"{text.rstrip()}\n\n{START}\n## Bursts (bench/bursts.py)\n\nWrites at one moment "
            f"over a background of exam saves; the newest run first.\n\n{section}\n{END}\n"
        )
    base.RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    args = parse_args()
    studyhub = base.tool("studyhub")
    base.tool("gunicorn")
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-bursts-"))
    url = base.bench_database(args.database_url, instance)
    env = base.server_env(url, instance)
    os.environ.update(env)
    server = None
    try:
        subprocess.run([studyhub, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(
            base.gen_data_command(studyhub, args),
            env=env,
            check=True,
        )
        from studyhub.benchdata.generation import PASSWORD

        print("preparing the burst's data…", flush=True)
        data = prepare(args, PASSWORD)
        port = base.free_port()
        server = base.start_server(args, port, env, base.PROJECT_ROOT)
        base.wait_until_up(port, server)
        print("logging members in and reading their forms…", flush=True)
        jobs = ready(port, data, PASSWORD)
        people = [
            (phone, attempt_id, token, base.log_in(port, phone, PASSWORD))
            for phone, attempt_id, token in data["savers"]
        ]
        load_before = os.getloadavg()[0]
        savers = Savers(port, people)
        threads = [threading.Thread(target=savers.run, args=(i,)) for i in range(len(people))]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        quiet_start = time.perf_counter()
        time.sleep(args.quiet_seconds)
        burst_start = time.perf_counter()
        print(f"the burst: {len(jobs)} requests at once…", flush=True)
        results, seconds = burst(port, jobs)
        burst_end = time.perf_counter()
        savers.stop.set()
        for thread in threads:
            thread.join()
        load_after = os.getloadavg()[0]
        quiet = savers.rate(quiet_start, burst_start)
        during = savers.rate(burst_start, burst_end)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
    database = base.database_version(url)
    info = {
        **base.machine(),
        "gunicorn": metadata.version("gunicorn"),
        "commit": base.project_commit(None),
        "load": f"{load_before:.1f} before, {load_after:.1f} after",
    }
    section = report(
        started=started.astimezone(UTC),
        args=args,
        database=database,
        info=info,
        results=results,
        seconds=seconds,
        quiet=quiet,
        during=during,
        earlier=earlier_save_rate(database),
    )
    print()
    print(section)
    if not args.no_write:
        write_section(section)
        print(f"written to {base.RESULTS.relative_to(base.PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
