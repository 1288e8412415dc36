#!/usr/bin/env python
"""Benchmark the exam engine: answer saves, submissions, and the exam page's weight.

Builds the data like ``bench/run.py`` (``studyhub db upgrade``, ``studyhub gen-data``,
which also makes a bank of generated questions), then, in this process through the
quiz services, an exam of :data:`SAVE_QUESTIONS` questions with one attempt in
progress for each of ``--users`` generated members, and ``--submit-quizzes`` more
exams of :data:`SUBMIT_QUESTIONS` questions with an attempt of each of those members
to submit. It starts ``gunicorn -w 2`` with the floor route on, logs the members in
through the login form, and measures:

- answer saves: ``wrk`` posting JSON saves (``POST /quizzes/attempts/<id>/answer``,
  the page script's request, with its attempt token) from ``--connections``
  connections, each wrk thread answering its own members' questions with rising
  sequence numbers; the floor is measured the same way, right before. Afterwards
  every save the server acknowledged (200, applied) is checked against the
  database: the item must hold that save or a later one. Anything else is a lost
  save; the goal is none, no errors, and at least 20% of the floor's requests/s;
- submissions: every prepared attempt submitted once (``POST …/submit``) from
  ``--submit-workers`` keep-alive connections; all must be graded;
- the exam page's weight: the attempt page's HTML and the CSS and JavaScript it
  loads, each gzip-compressed (level 6, as a gzip-serving proxy would send them);
  the goal is at most 60 KB in all.

The figures go to their own section of ``bench/RESULTS.md`` (between the
``quiz engine`` markers); the other sections are kept.

    python bench/quizzes.py                       # SQLite in a temporary folder
    python bench/quizzes.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from statistics import median

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: logins, wrk parsing, the machine)

START = "<!-- quiz engine: start -->"
END = "<!-- quiz engine: end -->"
SAVE_QUESTIONS = 50
SUBMIT_QUESTIONS = 20
SAVE_GOAL = 0.20
WEIGHT_GOAL_KB = 60.0
SEQ_BLOCK = 1000  # a save's sequence number: pass × SEQ_BLOCK + the member's index in its thread

LUA = r"""
-- Answer saves: thread i answers the questions of members i, i + T, i + 2T, …
-- Request k of a thread goes to member k mod n, question (k div n) mod Q + 1, with
-- sequence number pass * BLOCK + member: rising for each question, and two saves
-- of one question are n × Q requests apart, never in flight together.
local members = {MEMBERS}
local questions = {QUESTIONS}
local block = {BLOCK}
local threads_total = {THREADS}
local first_pass = {FIRST_PASS}  -- each round starts above the last, so its saves are newer
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  mine = {}
  for index = id + 1, #members, threads_total do
    mine[#mine + 1] = members[index]
  end
  k = 0
  acked = {}
  stale = 0
  failed = 0
end

function request()
  local n = #mine
  local local_index = k % n
  local m = mine[local_index + 1]
  local position = math.floor(k / n) % questions + 1
  local pass = first_pass + math.floor(k / (n * questions)) + 1
  k = k + 1
  local seq = pass * block + local_index
  local key = ((pass % 2 == 0) and "A" or "B")
  local body = string.format('{"position": %d, "seq": %d, "response": "%s"}', position, seq, key)
  return wrk.format("POST", m.path, {
    ["Content-Type"] = "application/json",
    ["Cookie"] = m.cookie,
    ["X-Attempt-Token"] = m.token,
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
    return
  end
  local applied = body:match('"applied":%s*(%a+)')
  local position = tonumber(body:match('"position":%s*(%d+)'))
  local seq = tonumber(body:match('"seq":%s*(%d+)'))
  if applied ~= "true" then
    stale = stale + 1
    return
  end
  local member = mine[seq % block + 1].attempt
  local key = member .. ":" .. position
  if (acked[key] or 0) < seq then
    acked[key] = seq
  end
end
"""

# wrk only gives the main script the thread objects in setup(): keep them.
LUA_DONE = r"""
local all_threads = {}
local original_setup = setup
function setup(thread)
  all_threads[#all_threads + 1] = thread
  original_setup(thread)
end

function done(summary, latency, requests)
  for _, thread in ipairs(all_threads) do
    local failed, stale = thread:get("failed"), thread:get("stale")
    io.write(string.format("THREAD failed=%d stale=%d\n", failed, stale))
    for key, seq in pairs(thread:get("acked")) do
      io.write(string.format("ACKED %s %d\n", key, seq))
    end
  end
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--branches", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--database-url", help="as bench/run.py: a database whose name has 'bench'")
    parser.add_argument("--users", type=int, default=64, help="members answering at once")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=4, help="wrk threads")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    base.add_server_arguments(parser)
    parser.add_argument("--submit-quizzes", type=int, default=8)
    parser.add_argument("--submit-workers", type=int, default=16)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args()


# -- data ------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict:
    """The exams and attempts, made in this process through the services; returns what the
    load needs: per member the login, the save attempt (id, token) and the submit attempts."""
    from sqlalchemy import select

    from studyhub import create_app
    from studyhub.benchdata.quizzes import BANK_NAME
    from studyhub.benchdata.run import find_committee
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.org.models import Member, RoleAssignment
    from studyhub.quizzes.models import Bank, QuestionType, QuizMode
    from studyhub.quizzes.services import attempts, quizzes
    from studyhub.quizzes.views.attempt import attempt_token

    app = create_app()
    with app.app_context(), app.test_request_context():
        session = db.session
        now = clock.now_utc()
        committee = find_committee(session, args.seed)
        bank = session.scalars(
            select(Bank).where(Bank.committee_id == committee.id, Bank.name == BANK_NAME)
        ).one()

        def exam(title: str, count: int):
            quiz = quizzes.create_quiz(
                session,
                committee,
                quizzes.QuizFields(
                    title=title, mode=QuizMode.EXAM, attempts_allowed=None, time_limit_seconds=None
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
                count=count,
                points=Decimal(1),
                actor_id=None,
                now=now,
            )
            quizzes.publish_quiz(session, quiz, actor_id=None, now=now)
            quizzes.assign_quiz(session, quiz, committee, actor_id=None, now=now)
            return quiz

        stamp = datetime.now().strftime("%H%M%S")
        save_exam = exam(f"基准·保存答案 {stamp}", SAVE_QUESTIONS)
        submit_exams = [
            exam(f"基准·交卷{n} {stamp}", SUBMIT_QUESTIONS) for n in range(args.submit_quizzes)
        ]
        members = session.scalars(
            select(Member)
            .where(
                Member.committee_id == committee.id,
                Member.user_id.not_in(select(RoleAssignment.user_id)),
            )
            .order_by(Member.id)
            .limit(args.users)
        ).all()
        people = []
        for index, member in enumerate(members):
            save = attempts.start_attempt(
                session, save_exam, user_id=member.user_id, now=now, seed=index
            )
            submits = [
                attempts.start_attempt(
                    session, quiz, user_id=member.user_id, now=now, seed=index * 31 + n
                )
                for n, quiz in enumerate(submit_exams)
            ]
            session.flush()
            people.append(
                {
                    "login": member.user.phone,
                    "save": (save.id, attempt_token(save)),
                    "submits": [(a.id, attempt_token(a)) for a in submits],
                }
            )
        session.commit()
        result = {"people": people, "save_quiz": save_exam.id}
        db.engine.dispose()
    return result


def check_saves(acked: dict[tuple[int, int], int]) -> tuple[int, int, int]:
    """(acknowledged saves checked, lost, items holding an answer) against the database."""
    from sqlalchemy import select

    from studyhub import create_app
    from studyhub.extensions import db
    from studyhub.quizzes.models import AttemptItem

    app = create_app()
    with app.app_context():
        attempt_ids = sorted({a for a, _ in acked})
        rows = db.session.execute(
            select(
                AttemptItem.attempt_id,
                AttemptItem.position,
                AttemptItem.response_seq,
                AttemptItem.response,
            ).where(AttemptItem.attempt_id.in_(attempt_ids))
        ).all()
        db.engine.dispose()
    held = {(a, p): (seq, response) for a, p, seq, response in rows}
    lost = 0
    for key, seq in acked.items():
        found_seq, response = held.get(key, (0, None))
        expected = "A" if (found_seq // SEQ_BLOCK) % 2 == 0 else "B"
        if found_seq < seq or response != expected:
            lost += 1
    answered = sum(1 for seq, response in held.values() if response is not None)
    return len(acked), lost, answered


def check_submitted(attempt_ids: list[int]) -> int:
    from sqlalchemy import func, select

    from studyhub import create_app
    from studyhub.extensions import db
    from studyhub.quizzes.models import Attempt, AttemptState

    app = create_app()
    with app.app_context():
        done = db.session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.id.in_(attempt_ids),
                Attempt.state == AttemptState.SUBMITTED,
                Attempt.score.is_not(None),
            )
        )
        db.engine.dispose()
    return done or 0


# -- load ------------------------------------------------------------------------------------


def wrk_command(wrk: str, args: argparse.Namespace) -> list[str]:
    """wrk with a timeout well above the slowest answer, so slowness is not counted as errors."""
    return [wrk, f"-t{args.threads}", f"-c{args.connections}", "--latency", "--timeout", "10s"]


def wrk_saves(
    wrk: str,
    port: int,
    people: list[dict],
    args: argparse.Namespace,
    script: Path,
    first_pass: int,
):
    members = ",\n".join(
        "{{path = {path}, cookie = {cookie}, token = {token}, attempt = {attempt}}}".format(
            path=json.dumps(f"/quizzes/attempts/{p['save'][0]}/answer"),
            cookie=json.dumps(p["cookie"]),
            token=json.dumps(p["save"][1]),
            attempt=p["save"][0],
        )
        for p in people
    )
    lua = (
        LUA.replace("{MEMBERS}", "{\n" + members + "\n}")
        .replace("{QUESTIONS}", str(SAVE_QUESTIONS))
        .replace("{BLOCK}", str(SEQ_BLOCK))
        .replace("{THREADS}", str(args.threads))
        .replace("{FIRST_PASS}", str(first_pass))
    )
    lua += LUA_DONE
    script.write_text(lua)
    url = f"http://127.0.0.1:{port}/"
    command = [*wrk_command(wrk, args), "-s", str(script)]
    done = subprocess.run(
        [*command, f"-d{args.duration}s", url], check=True, capture_output=True, text=True
    )
    figures = base.parse_wrk(done.stdout)
    acked: dict[tuple[int, int], int] = {}
    failed = stale = 0
    for line in done.stdout.splitlines():
        if line.startswith("ACKED "):
            _tag, key, seq = line.split()
            attempt_id, position = key.split(":")
            pair = (int(attempt_id), int(position))
            acked[pair] = max(acked.get(pair, 0), int(seq))
        elif line.startswith("THREAD "):
            parts = dict(item.split("=") for item in line.split()[1:])
            failed += int(parts["failed"])
            stale += int(parts["stale"])
    return figures, acked, failed, stale


def wrk_floor(wrk: str, port: int, args: argparse.Namespace):
    url = f"http://127.0.0.1:{port}/_bench/floor"
    if args.warmup:
        subprocess.run(
            [*wrk_command(wrk, args), f"-d{args.warmup}s", url], check=True, capture_output=True
        )
    done = subprocess.run(
        [*wrk_command(wrk, args), f"-d{args.duration}s", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return base.parse_wrk(done.stdout)


def submit_all(port: int, people: list[dict], workers: int) -> tuple[float, int, list[int]]:
    """Submit every prepared attempt once; (seconds, errors, attempt ids)."""
    jobs = [(p["cookie"], attempt_id, token) for p in people for attempt_id, token in p["submits"]]
    chunks = [jobs[i::workers] for i in range(workers)]

    def worker(chunk: list[tuple[str, int, str]]) -> int:
        errors = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for cookie, attempt_id, token in chunk:
            body = urllib.parse.urlencode({"attempt_token": token, "timed_out": ""})
            conn.request(
                "POST",
                f"/quizzes/attempts/{attempt_id}/submit",
                body=body,
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            response.read()
            if response.status != 302:
                errors += 1
        conn.close()
        return errors

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        errors = sum(pool.map(worker, chunks))
    return time.monotonic() - began, errors, [attempt_id for _c, attempt_id, _t in jobs]


# -- report ----------------------------------------------------------------------------------


def report(*, started, args, database, info, rounds, checks, submit, weight) -> str:
    ratios = [saves.requests_per_second / floor.requests_per_second for floor, saves in rounds]
    lines = [
        f"### {started:%Y-%m-%d %H:%M %Z} — {database.split()[0]}",
        "",
        f"- Machine: {info['machine']}; load average {info['load']}",
        f"- Software: {database}, gunicorn {info['gunicorn']}, {info['wrk']}, "
        f"studyhub {info['commit']}",
        f"- Data: `studyhub gen-data --members {args.members} --branches {args.branches} "
        f"--seed {args.seed}`; {args.users} members each with an attempt in progress on an exam "
        f"of {SAVE_QUESTIONS} questions, and {args.submit_quizzes} more of "
        f"{SUBMIT_QUESTIONS} questions each to submit",
        f"- Load: {base.server_setup(args)}; `wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s --timeout 10s` for the floor and then the saves, "
        f"{len(rounds)} round(s), medians",
        "",
        "| endpoint | req/s | ratio to floor | p50 ms | p90 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, index in (("floor `/_bench/floor`", 0), ("answer save (JSON POST)", 1)):
        figures = [r[index] for r in rounds]
        ratio = "100%" if index == 0 else f"{median(ratios):.0%}"
        errors = "; ".join(sorted({f.errors for f in figures if f.errors})) or "none"
        lines.append(
            f"| {label} | {median(f.requests_per_second for f in figures):,.0f} | {ratio} "
            f"| {median(f.p50_ms for f in figures):.1f} | {median(f.p90_ms for f in figures):.1f} "
            f"| {median(f.p99_ms for f in figures):.1f} | {errors} |"
        )
    acked = sum(c["acked"] for c in checks)
    lost = sum(c["lost"] for c in checks)
    failed = sum(c["failed"] for c in checks)
    stale = sum(c["stale"] for c in checks)
    seconds, submit_errors, submitted, total = submit
    lines += [
        "",
        f"Saves acknowledged and checked in the database: {acked:,} (items answered: "
        f"{checks[-1]['answered']:,}); lost: {lost}; non-200 answers: {failed}; "
        f"stale (refused as older): {stale}.",
        "",
        f"Submissions: {total} attempts of {SUBMIT_QUESTIONS} questions from "
        f"{args.submit_workers} connections in {seconds:.1f} s — "
        f"{total / seconds:.1f} submissions/s; errors: {submit_errors}; graded: {submitted}.",
    ]
    weight_lines, total_kb = base.weight_table(weight)
    lines += ["", "Exam page weight (gzip level 6):", "", *weight_lines]
    save_ratio = median(ratios)
    met = save_ratio >= SAVE_GOAL and lost == 0 and failed == 0
    lines += [
        "",
        "Goals:",
        "",
        f"- answer save at least {SAVE_GOAL:.0%} of the floor with no errors and no lost saves "
        f"under {args.connections} connections: {save_ratio:.0%}, {failed} errors, {lost} lost "
        f"— {'met' if met else 'NOT met'}",
        f"- exam page at most {WEIGHT_GOAL_KB:.0f} KB gzip: {total_kb:.1f} KB — "
        f"{'met' if total_kb <= WEIGHT_GOAL_KB else 'NOT met'}",
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Put this run first in the quiz engine's section of RESULTS.md, keeping the rest."""
    text = base.RESULTS.read_text() if base.RESULTS.exists() else base.RESULTS_HEADER
    if START in text:
        head, _s, rest = text.partition(START)
        older, _e, tail = rest.partition(END)
    else:
        head, older, tail = text.rstrip() + "\n\n", "", "\n"
    if "## Quiz engine" not in head and "## Quiz engine" not in older:
        older = older.strip()
        intro = (
            "## Quiz engine (bench/quizzes.py)\n\n"
            "Answer saves and submissions under gunicorn, and the exam page's weight; the newest "
            "run first.\n"
        )
    else:
        intro = ""
    body = f"{intro}\n{section}\n{older.strip()}\n" if intro else f"\n{section}\n{older.strip()}\n"
    base.RESULTS.write_text(f"{head}{START}\n{body.strip()}\n{END}{tail}".rstrip() + "\n")


# -- the run ---------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    wrk, studyhub = base.tool("wrk"), base.tool("studyhub")
    base.tool("gunicorn")  # missing tools stop the run before the data is built
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-quiz-"))
    url = base.bench_database(args.database_url, instance)
    env = base.server_env(url, instance, STUDYHUB_BENCH_FLOOR="1")
    os.environ.update(env)
    server = None
    try:
        subprocess.run(
            [studyhub, "db", "upgrade"],
            env=env,
            cwd=base.PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            base.gen_data_command(studyhub, args),
            env=env,
            cwd=base.PROJECT_ROOT,
            check=True,
        )
        print("preparing exams and attempts…", flush=True)
        data = prepare(args)
        people = data["people"]
        port = base.free_port()
        server = base.start_server(args, port, env, base.PROJECT_ROOT)
        base.wait_until_up(port, server)
        from studyhub.benchdata.generation import PASSWORD

        print(f"logging {len(people)} members in…", flush=True)
        for person in people:
            person["cookie"] = base.log_in(port, person["login"], PASSWORD)
        weight = base.page_weight(
            port, f"/quizzes/attempts/{people[0]['save'][0]}", people[0]["cookie"]
        )
        load_before = os.getloadavg()[0]
        rounds, checks = [], []
        for number in range(1, args.rounds + 1):
            print(f"round {number}: floor… ", end="", flush=True)
            floor = wrk_floor(wrk, port, args)
            print("saves… ", flush=True)
            saves, acked, failed, stale = wrk_saves(
                wrk, port, people, args, instance / "saves.lua", first_pass=number * 100_000
            )
            checked, lost, answered = check_saves(acked)
            rounds.append((floor, saves))
            checks.append(
                {
                    "acked": checked,
                    "lost": lost,
                    "failed": failed,
                    "stale": stale,
                    "answered": answered,
                }
            )
        print("submissions…", flush=True)
        seconds, submit_errors, attempt_ids = submit_all(port, people, args.submit_workers)
        submitted = check_submitted(attempt_ids)
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
        else:
            print(f"instance folder kept: {instance}")
    info = {
        **base.machine(),
        "gunicorn": metadata.version("gunicorn"),
        "wrk": base.wrk_version(wrk),
        "commit": base.project_commit(None),
        "load": f"{load_before:.1f} before, {load_after:.1f} after",
    }
    section = report(
        started=started,
        args=args,
        database=base.database_version(url),
        info=info,
        rounds=rounds,
        checks=checks,
        submit=(seconds, submit_errors, submitted, len(attempt_ids)),
        weight=weight,
    )
    print()
    print(section)
    if not args.no_write:
        write_section(section)
        print(f"written to {base.RESULTS.relative_to(base.PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
