#!/usr/bin/env python
"""Live 党课: many viewers of one lesson, comments at 1 per second, delivery latency.

Builds the data like ``bench/examday.py`` (``studyhub db upgrade``, ``studyhub
gen-data``), then, in this process, a live lesson of the generated committee for
all its branches (on now, for two hours) and, for each of ``--viewers``
members, the session cookie and CSRF token the app would set (a login row
through the accounts service) and the live channel URL with the token the
lesson page signs. It starts the production layout:

- gunicorn serving the app (``--workers`` × ``--worker-threads``);
- ``--channels`` live channel processes (``studyhub live-channel``, one event
  loop each; a proxy would spread viewers over them, the bench does it itself);
- Redis (``--redis-url``, default ``redis://127.0.0.1:6379/7``) for the fan-out,
  and PostgreSQL with ``--database-url`` (SQLite otherwise).

Each simulated viewer does what the lesson page does: asks the comment feed
once (``since=0``), opens the Server-Sent Events connection, asks the feed again
every ``--safety-poll`` seconds, and reports watch time (playing, visible) every
``--watch-every`` seconds, first at a random moment. Viewers join over
``--ramp`` seconds. Then a poster posts a comment every second for
``--duration`` seconds (rotating over posting members, within the rate limits)
while ``--page-clients`` clients load other pages (the member home) in a
closed loop. Every viewer's connection looks for each comment's marker; the
delay from the post being sent to its arrival is the delivery latency.

``--embedded`` runs the embedded default instead: one gunicorn process (unless
``--workers`` says otherwise), no Redis, no channel process; the viewers poll
the feed as the page does then: with the page's JSON content type, at the
interval the server's answers ask for (``X-Live-Next`` / ``next``: 2 s, 2.7 s at
2,000 viewers), a 204 meaning nothing changed.

It reports viewers held at the end, delivery latency p50/p95/p99 over all
(viewer, comment) pairs with comments missed counted as errors, errors by
kind, CPU (seconds per second) and memory (RSS) of the channel processes and of
the gunicorn workers per 1,000 viewers, and the other pages' rate and p95.
Requests to the app go through a bounded pool of kept-alive connections
(``--app-connections``), as a proxy in front of gunicorn would; each viewer's
channel connection is its own. The process raises its open-file limit, and
spreads the channel connections over
``--source-addresses`` loopback addresses (127.0.0.2, 127.0.0.3, …) so that
ephemeral ports do not run short.

    python bench/live.py --viewers 300 --duration 20                 # a short SQLite run
    python bench/live.py --embedded --viewers 2000 --members 2400 --branches 40
    python bench/live.py --viewers 17693 --members 18000 --branches 300 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench_live
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: the shared helpers)

START = "<!-- live lesson: start -->"
END = "<!-- live lesson: end -->"
MARK = re.compile(rb"bench-(\d+)-")
P95_GOAL_MS = 3000.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2400)
    parser.add_argument("--branches", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--database-url", help="as bench/run.py: a database whose name has 'bench'")
    parser.add_argument("--reuse-data", action="store_true", help="as bench/run.py")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--embedded", action="store_true", help="poll the app; no Redis/channel")
    parser.add_argument("--channels", type=int, default=2, help="live channel processes")
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which viewers join")
    parser.add_argument("--duration", type=int, default=60, help="seconds of comments at 1/s")
    parser.add_argument("--watch-every", type=int, default=60, help="watch reports, seconds")
    parser.add_argument("--safety-poll", type=int, default=120, help="feed polls with SSE, s")
    parser.add_argument("--page-clients", type=int, default=2, help="closed-loop page loaders")
    parser.add_argument("--source-addresses", type=int, default=4)
    parser.add_argument(
        "--app-connections", type=int, default=64, help="pooled connections to the app"
    )
    parser.add_argument("--timeout", type=float, default=30.0)
    base.add_server_arguments(parser)
    parser.set_defaults(worker_threads=4, workers=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.workers is None:  # the embedded default is one process
        args.workers = 1 if args.embedded else 2
    return args


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


# -- data ------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict:
    """The lesson, and each viewer's cookie, CSRF token and channel path."""
    from flask import session as flask_session
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from studyhub import create_app
    from studyhub.accounts.models import User
    from studyhub.accounts.services import start_session
    from studyhub.benchdata.run import find_committee
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.live.fanout import channel_token
    from studyhub.live.services import lessons
    from studyhub.org.models import Member, OrgUnit, RoleAssignment, UnitKind

    app = create_app()
    serializer = app.session_interface.get_signing_serializer(app)
    lifetime = app.permanent_session_lifetime
    secret = app.config["SECRET_KEY"]
    with app.app_context():
        session = db.session
        now = clock.now_utc()
        committee = find_committee(session, args.seed)
        staff_id = session.scalar(
            select(RoleAssignment.user_id).where(RoleAssignment.unit_id == committee.id).limit(1)
        )
        staff = session.get(User, staff_id) if staff_id else session.scalars(select(User)).first()
        branches = session.scalars(
            select(OrgUnit).where(
                OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH
            )
        ).all()
        lesson = lessons.schedule_lesson(
            session,
            committee,
            lessons.LessonFields(
                title=f"基准·直播党课 {datetime.now():%H%M%S}",
                starts_at=now - timedelta(minutes=1),
                planned_end_at=now + timedelta(hours=2),
                branches=branches,
                stream_url="https://stream.example.cn/live/bench.m3u8",
            ),
            by=staff,
            now=now,
        )
        members = session.scalars(
            select(Member)
            .where(
                Member.committee_id == committee.id,
                Member.is_active.is_(True),
                Member.user_id.not_in(select(RoleAssignment.user_id)),
            )
            .order_by(Member.id)
            .limit(args.viewers + 20)
        ).all()
        people = []
        for member in members:
            user = member.user
            start_session(user, now=now, lifetime=lifetime, is_remembered=False)
            with app.app_context(), app.test_request_context():
                flask_session["_user_id"] = user.get_id()
                flask_session["_fresh"] = True
                flask_session["_seen"] = int(time.time())
                csrf = generate_csrf()
                cookie = serializer.dumps(dict(flask_session))
            token = channel_token(secret, user_id=user.id, lesson_id=lesson.id, moderator=False)
            people.append(
                {
                    "cookie": f"session={cookie}",
                    "csrf": csrf,
                    "channel": f"/live-channel/{lesson.id}/events?t={token}",
                }
            )
        session.commit()
        lesson_id = lesson.id
        db.engine.dispose()
    return {"lesson_id": lesson_id, "viewers": people[: args.viewers], "posters": people[-20:]}


# -- load ------------------------------------------------------------------------------------


@dataclass
class Person:
    cookie: str
    csrf: str
    channel: str


@dataclass
class Stats:
    sent: dict[int, float] = field(default_factory=dict)  # comment number → sent at
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    held: int = 0
    peak: int = 0
    expected: int = 0  # (viewer, comment) pairs: the viewers held when each comment was sent
    page_latencies: list[float] = field(default_factory=list)
    pages: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Load:
    def __init__(self, args, port: int, channel_ports: list[int], lesson_id: int) -> None:
        self.args = args
        self.app = f"http://127.0.0.1:{port}"
        self.channel_ports = channel_ports
        self.lesson_id = lesson_id
        self.stats = Stats()
        self.rng = random.Random(args.seed)
        self.received: dict[int, set[int]] = {}  # comment → viewers that got it
        self.joined: dict[int, float] = {}  # viewer → when its connection was held
        self.next_ms = 2000  # the feed's poll interval, as the server last asked
        self.feeds = 0  # feed answers received

    def _got(self, viewer: int, number: int) -> None:
        sent = self.stats.sent.get(number)
        seen = self.received.setdefault(number, set())
        # A comment sent before the viewer was connected comes with the catch-up, not live.
        if sent is None or viewer in seen or sent < self.joined.get(viewer, float("inf")):
            return
        seen.add(viewer)
        self.stats.latencies.append((time.monotonic() - sent) * 1000)

    async def _feed(self, http, person: Person, since: int) -> bytes | None:
        """As the page asks: a 204 (nothing changed) gives ``{"seq":…,"next":…}`` from its
        headers; the poll interval the server asks for is kept in ``self.next_ms``."""
        url = f"{self.app}/live/{self.lesson_id}/feed?since={since}"
        headers = {
            "Cookie": person.cookie,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        try:
            async with http.get(url, headers=headers) as response:
                body = await response.read()
                self.feeds += 1
                if response.status == 204:
                    self.next_ms = int(response.headers.get("X-Live-Next") or self.next_ms)
                    seq = response.headers.get("X-Live-Seq") or str(since)
                    return b'{"seq": %d}' % int(seq)
                if response.status != 200:
                    self.stats.error(f"feed {response.status}")
                    return None
                asked = re.search(rb'"next":\s*(\d+)', body)
                if asked:
                    self.next_ms = int(asked.group(1))
                return body
        except Exception as exc:
            self.stats.error(f"feed {type(exc).__name__}")
            return None

    async def _watch(self, http, person: Person, seconds: int) -> None:
        data = {"seconds": str(seconds), "playing": "1", "visible": "1", "csrf_token": person.csrf}
        try:
            async with http.post(
                f"{self.app}/live/{self.lesson_id}/watch",
                data=data,
                headers={"Cookie": person.cookie, "Accept": "application/json"},
            ) as response:
                await response.read()
                if response.status != 200:
                    self.stats.error(f"watch {response.status}")
        except Exception as exc:
            self.stats.error(f"watch {type(exc).__name__}")

    async def _reporter(self, http, person: Person, until: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.args.watch_every))
        await self._watch(http, person, 0)
        last = time.monotonic()
        while time.monotonic() < until:
            await asyncio.sleep(self.args.watch_every)
            now = time.monotonic()
            await self._watch(http, person, int(now - last))
            last = now

    async def viewer(
        self, number: int, http, channel_http, person: Person, join_at: float, until: float
    ):
        """``http``: the pooled connections to the app (as a proxy keeps to gunicorn);
        ``channel_http``: this viewer's own connection to a channel process."""
        await asyncio.sleep(max(0, join_at - time.monotonic()))
        seq = 0
        if self.args.embedded:  # the page polls from the start
            body = await self._feed(http, person, 0)
            if body is None:
                return
            seq = int(re.search(rb'"seq":\s*(\d+)', body).group(1))
        reporter = asyncio.create_task(self._reporter(http, person, until))
        try:
            if self.args.embedded:
                self.stats.held += 1
                self.stats.peak = max(self.stats.peak, self.stats.held)
                self.joined[number] = time.monotonic()
                try:
                    while time.monotonic() < until:
                        await asyncio.sleep(self.next_ms / 1000)
                        body = await self._feed(http, person, seq)
                        if body is None:
                            continue
                        for found in MARK.finditer(body):
                            self._got(number, int(found.group(1)))
                        seq = int(re.search(rb'"seq":\s*(\d+)', body).group(1))
                finally:
                    self.stats.held -= 1
                return
            port = self.channel_ports[number % len(self.channel_ports)]
            url = f"http://127.0.0.1:{port}{person.channel}"
            try:
                async with channel_http.get(url, timeout=None) as response:
                    if response.status != 200:
                        self.stats.error(f"channel {response.status}")
                        return
                    self.stats.held += 1
                    self.stats.peak = max(self.stats.peak, self.stats.held)
                    self.joined[number] = time.monotonic()
                    # As the page: once the connection is open, catch up from the feed.
                    asyncio.create_task(self._feed(http, person, 0))
                    try:
                        next_poll = time.monotonic() + self.args.safety_poll
                        async for line in response.content:
                            if line.startswith(b"data:"):
                                for found in MARK.finditer(line):
                                    self._got(number, int(found.group(1)))
                            if time.monotonic() >= until:
                                break
                            if time.monotonic() >= next_poll:
                                next_poll += self.args.safety_poll
                                asyncio.create_task(self._feed(http, person, seq))
                    finally:
                        self.stats.held -= 1
            except Exception as exc:
                self.stats.error(f"channel {type(exc).__name__}")
        finally:
            reporter.cancel()

    async def poster(self, http, posters: list[Person], start: float) -> None:
        for number in range(self.args.duration):
            await asyncio.sleep(max(0, start + number - time.monotonic()))
            person = posters[number % len(posters)]
            self.stats.sent[number] = time.monotonic()
            self.stats.expected += self.stats.held
            try:
                async with http.post(
                    f"{self.app}/live/{self.lesson_id}/comments",
                    data={"body": f"bench-{number}-好", "csrf_token": person.csrf},
                    headers={"Cookie": person.cookie, "Accept": "application/json"},
                ) as response:
                    await response.read()
                    if response.status != 200:
                        self.stats.error(f"comment {response.status}")
                        self.stats.sent.pop(number, None)
                        self.stats.expected -= self.stats.held
            except Exception as exc:
                self.stats.error(f"comment {type(exc).__name__}")
                self.stats.sent.pop(number, None)
                self.stats.expected -= self.stats.held

    async def pages(self, http, person: Person, until: float) -> None:
        while time.monotonic() < until:
            begun = time.monotonic()
            try:
                async with http.get(self.app + "/", headers={"Cookie": person.cookie}) as r:
                    await r.read()
                    if r.status != 200:
                        self.stats.error(f"home {r.status}")
            except Exception as exc:
                self.stats.error(f"home {type(exc).__name__}")
            self.stats.page_latencies.append((time.monotonic() - begun) * 1000)
            self.stats.pages += 1

    async def run(self, viewers: list[Person], posters: list[Person], sample) -> dict:
        connectors = [
            aiohttp.TCPConnector(
                limit=0,
                local_addr=(f"127.0.0.{2 + i}", 0),
                keepalive_timeout=1.5,  # below gunicorn's 2 s keep-alive: never a stale reuse
                ttl_dns_cache=None,
            )
            for i in range(max(1, self.args.source_addresses))
        ]
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.args.timeout)
        sessions = [aiohttp.ClientSession(connector=c, timeout=timeout) for c in connectors]
        # The app is reached as through a proxy: a bounded pool of kept-alive connections
        # (viewers' feeds and reports), and a small one for the poster and the other pages.
        pooled = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self.args.app_connections, keepalive_timeout=1.5, ttl_dns_cache=None
            ),
            timeout=aiohttp.ClientTimeout(total=self.args.timeout),
        )
        others = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=8, keepalive_timeout=1.5),
            timeout=aiohttp.ClientTimeout(total=self.args.timeout),
        )
        idle = sample()
        begun = time.monotonic()
        comments_at = begun + self.args.ramp + 3
        until = comments_at + self.args.duration + 5
        tasks = [
            asyncio.create_task(
                self.viewer(
                    i,
                    pooled,
                    sessions[i % len(sessions)],
                    person,
                    begun + self.args.ramp * i / max(1, len(viewers)),
                    until,
                )
            )
            for i, person in enumerate(viewers)
        ]
        await asyncio.sleep(max(0, comments_at - time.monotonic()))
        before = sample()
        measured_from = time.monotonic()
        feeds_from = self.feeds
        held_at_start = self.stats.held
        await asyncio.gather(
            self.poster(others, posters, comments_at),
            *(
                self.pages(others, posters[-1 - i], comments_at + self.args.duration)
                for i in range(self.args.page_clients)
            ),
        )
        after = sample()
        measured = time.monotonic() - measured_from
        feeds = self.feeds - feeds_from
        held_at_end = self.stats.held
        await asyncio.sleep(max(0, until - time.monotonic()))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for http in [*sessions, pooled, others]:
            await http.close()
        return {
            "idle": idle,
            "before": before,
            "after": after,
            "measured": measured,
            "held": held_at_end,
            "held_at_start": held_at_start,
            "peak": self.stats.peak,
            "feeds": feeds,
        }


# -- processes -------------------------------------------------------------------------------


def proc_figures(pids: list[int]) -> tuple[float, int]:
    """(CPU seconds used, RSS bytes) of ``pids`` and their children, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu, rss = 0.0, 0
    seen = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(stat[11]) + int(stat[12])) / ticks
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) * 1024
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            todo.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return cpu, rss


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    args = parse_args()
    files = raise_open_files()
    studyhub = base.tool("studyhub")
    base.tool("gunicorn")
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-live-"))
    url = base.bench_database(args.database_url, instance)
    extra = {"STUDYHUB_LIVE_WATCH_EVERY_SECONDS": str(args.watch_every)}
    if not args.embedded:
        extra |= {
            "STUDYHUB_LIVE_REDIS_URL": args.redis_url,
            "STUDYHUB_LIVE_CHANNEL_URL": "/live-channel",
        }
    env = base.server_env(url, instance, **extra)
    os.environ.update(env)
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [studyhub, "db", "upgrade"],
            env=env,
            cwd=base.PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        base.generate(studyhub, env, args, cwd=base.PROJECT_ROOT)
        print(f"preparing the lesson and {args.viewers:,} viewers…", flush=True)
        data = prepare(args)
        viewers = [Person(**v) for v in data["viewers"]]
        posters = [Person(**p) for p in data["posters"]]
        port = base.free_port()
        server = base.start_server(args, port, env, base.PROJECT_ROOT)
        processes.append(server)
        channel_ports: list[int] = []
        channels: list[subprocess.Popen] = []
        if not args.embedded:
            for _ in range(args.channels):
                channel_port = base.free_port()
                channel = subprocess.Popen(
                    [studyhub, "live-channel", "--port", str(channel_port)],
                    env=env,
                    cwd=base.PROJECT_ROOT,
                )
                channels.append(channel)
                processes.append(channel)
                channel_ports.append(channel_port)
        base.wait_until_up(port, server, timeout=180)  # a busy machine starts slowly
        for channel_port in channel_ports:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(
                        f"http://127.0.0.1:{channel_port}/live-channel/health", timeout=2
                    )
                    break
                except OSError:
                    time.sleep(0.5)

        def sample():
            return {
                "channels": proc_figures([c.pid for c in channels]),
                "app": proc_figures([server.pid]),
                "at": time.monotonic(),
            }

        load_before = os.getloadavg()[0]
        load = Load(args, port, channel_ports, data["lesson_id"])
        print(f"{len(viewers):,} viewers joining over {args.ramp:g} s…", flush=True)
        result = asyncio.run(load.run(viewers, posters, sample))
        load_after = os.getloadavg()[0]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
    stats = load.stats
    comments = len(stats.sent)
    expected = stats.expected
    missed = max(0, expected - len(stats.latencies))
    seconds = result["measured"]
    per_k = 1000 / max(1, result["held"] or result["peak"])
    ch_cpu = (result["after"]["channels"][0] - result["before"]["channels"][0]) / seconds
    app_cpu = (result["after"]["app"][0] - result["before"]["app"][0]) / seconds
    mode = "embedded (polling)" if args.embedded else "live channel"
    fanout = "no Redis" if args.embedded else f"Redis, {args.channels} channel processes"
    p50, p95, p99 = (percentile(stats.latencies, q) for q in (0.5, 0.95, 0.99))
    ch_rss = result["after"]["channels"][1] / 2**20
    app_rss = result["after"]["app"][1] / 2**20
    ch_idle = result["idle"]["channels"][1] / 2**20
    app_idle = result["idle"]["app"][1] / 2**20
    lines = [
        f"### {started:%Y-%m-%d %H:%M} — {mode}",
        "",
        f"- database: {base.database_version(url)}; "
        f"{fanout}; "
        f"app: {base.server_setup(args)}; open files {files:,}; "
        f"{args.source_addresses} source addresses",
        f"- machine: {', '.join(base.machine().values())}; "
        f"load {load_before:.1f} before, {load_after:.1f} after",
        f"- viewers asked {args.viewers:,}; connected when the comments began "
        f"{result['held_at_start']:,}, at their end **{result['held']:,}**, "
        f"at most {result['peak']:,}",
        f"- comments: {comments} at 1/s; deliveries {len(stats.latencies):,} of {expected:,} "
        f"(missed {missed:,})",
        f"- delivery latency ms: p50 {p50:.0f}, **p95 {p95:.0f}**, p99 {p99:.0f} "
        f"(goal p95 ≤ {P95_GOAL_MS:.0f})",
        f"- errors: {sum(stats.errors.values()) + missed:,} "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(stats.errors.items())) or 'none'}"
        f"{f', missed deliveries: {missed}' if missed else ''})",
        f"- channel processes: CPU {ch_cpu:.2f} s/s, RSS {ch_rss:.0f} MB ({ch_idle:.0f} MB idle) "
        f"→ per 1,000 viewers {ch_cpu * per_k:.3f} s/s, {(ch_rss - ch_idle) * per_k:.1f} MB",
        f"- app (gunicorn): CPU {app_cpu:.2f} s/s, RSS {app_rss:.0f} MB ({app_idle:.0f} MB idle) "
        f"→ per 1,000 viewers {app_cpu * per_k:.3f} s/s, {(app_rss - app_idle) * per_k:.1f} MB",
        f"- feed answers {result['feeds'] / seconds:.0f}/s; the poll interval the server "
        f"asked for at the end {load.next_ms} ms",
        f"- other pages meanwhile (member home, {args.page_clients} clients in a loop): "
        f"{stats.pages / seconds:.1f} req/s, p95 {percentile(stats.page_latencies, 0.95):.0f} ms",
        "",
        "    python bench/live.py " + " ".join(sys.argv[1:]),
    ]
    section = "\n".join(lines)
    base.publish_section(
        section,
        write=not args.no_write,
        start=START,
        end=END,
        intro="## Live lesson (bench/live.py)\n\nViewers of one live 党课; newest run first.",
    )


if __name__ == "__main__":
    main()
