"""bench/examday.py's load: takers, the open-loop scheduler (aiohttp) and its statistics.

Requests are sent at fixed arrival times whether or not earlier ones have been
answered (an open loop), and each latency counts from the request's due time.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

KINDS = ("start", "exam page", "answer save", "member home", "reading page")
TOKEN = re.compile(r'data-token="([0-9a-f]+)"')
OPTION = re.compile(r'name="response" value="([^"]+)"')


@dataclass
class Taker:
    user_id: int
    cookie: str
    csrf: str
    attempt_id: int | None = None
    token: str = ""
    options: dict[int, list[str]] = field(default_factory=dict)
    seq: int = 0
    position: int = 0


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    error_kinds: dict[str, int] = field(default_factory=dict)
    acked: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)

    def record(self, kind: str, due: float, ok: bool, what: str = "") -> None:
        self.latencies[kind].append((time.monotonic() - due) * 1000)
        if not ok:
            self.errors[kind] += 1
            self.error_kinds[what] = self.error_kinds.get(what, 0) + 1


class Load:
    def __init__(self, args, port: int, quiz_id: int, takers: list[Taker], reading: str) -> None:
        self.args = args
        self.base = f"http://127.0.0.1:{port}"
        self.quiz_id = quiz_id
        self.takers = takers
        self.reading = reading
        self.rng = random.Random(args.seed)
        self.started: list[Taker] = []

    async def _get(self, http, kind: str, path: str, taker: Taker, stats: Stats, due: float):
        try:
            async with http.get(self.base + path, headers={"Cookie": taker.cookie}) as response:
                text = await response.text()
                ok = response.status == 200
                stats.record(kind, due, ok, f"{kind} {response.status}")
                return text if ok else None
        except Exception as exc:  # timeouts and refused connections are the run's errors
            stats.record(kind, due, False, f"{kind} {type(exc).__name__}")
            return None

    async def start(self, http, taker: Taker, stats: Stats, due: float) -> None:
        url = f"{self.base}/quizzes/{self.quiz_id}/start"
        headers = {"Cookie": taker.cookie}
        try:
            async with http.post(
                url, data={"csrf_token": taker.csrf}, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                location = response.headers.get("Location", "")
                match = re.search(r"/quizzes/attempts/(\d+)", location)
                stats.record(
                    "start",
                    due,
                    response.status == 302 and match is not None,
                    f"start {response.status}",
                )
        except Exception as exc:
            stats.record("start", due, False, f"start {type(exc).__name__}")
            return
        if match is None:
            return
        taker.attempt_id = int(match.group(1))
        page = await self._get(
            http,
            "exam page",
            f"/quizzes/attempts/{taker.attempt_id}",
            taker,
            stats,
            time.monotonic(),
        )
        if page is None:
            return
        found = TOKEN.search(page)
        taker.token = found.group(1) if found else ""
        for section in page.split('<section id="q')[1:]:
            position = int(section.split('"', 1)[0])
            taker.options[position] = OPTION.findall(section)
        self.started.append(taker)

    async def save(self, http, stats: Stats, due: float) -> None:
        if not self.started:
            return
        taker = self.rng.choice(self.started)
        taker.position = position = taker.position % len(taker.options) + 1
        taker.seq = seq = taker.seq + 1  # rising for every question of the taker's
        choice = self.rng.choice(taker.options[position] or ["A"])
        body = {"position": position, "response": choice, "seq": seq}
        headers = {"Cookie": taker.cookie, "X-Attempt-Token": taker.token}
        url = f"{self.base}/quizzes/attempts/{taker.attempt_id}/answer"
        try:
            async with http.post(url, json=body, headers=headers) as response:
                data = await response.json(content_type=None) if response.status == 200 else None
                ok = data is not None and data.get("saved") is True
                stats.record("answer save", due, ok, f"answer save {response.status}")
                if ok:
                    key = (taker.attempt_id, position)
                    if stats.acked.get(key, (0, ""))[0] < seq:
                        stats.acked[key] = (seq, choice)
        except Exception as exc:
            stats.record("answer save", due, False, f"answer save {type(exc).__name__}")

    async def page(self, http, stats: Stats, due: float, n: int) -> None:
        kind = ("exam page", "member home", "reading page")[n % 3]
        if kind == "exam page" and self.started:
            taker = self.rng.choice(self.started)
            path = f"/quizzes/attempts/{taker.attempt_id}"
        else:
            kind = "member home" if kind == "exam page" else kind
            taker = self.rng.choice(self.takers)
            path = "/" if kind == "member home" else self.reading
        await self._get(http, kind, path, taker, stats, due)

    async def run(self, *, save_rate: float, page_rate: float, duration: float, starts: bool):
        """One stage: the start (when ``starts``) and the steady mix for ``duration`` seconds."""
        import aiohttp

        stats = Stats()
        timeout = aiohttp.ClientTimeout(total=self.args.timeout)
        # A connection per request, as thousands of phones would: no keep-alive race with
        # the server closing an idle connection just as a request is sent on it.
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(
            timeout=timeout, connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        ) as http:
            began = time.monotonic()
            schedule: list[tuple[float, str, int]] = []
            if starts:
                gap = self.args.start_window / max(1, len(self.takers))
                schedule += [(i * gap, "start", i) for i in range(len(self.takers))]
            schedule += [(i / save_rate, "save", i) for i in range(int(duration * save_rate))]
            schedule += [(i / page_rate, "page", i) for i in range(int(duration * page_rate))]
            schedule.sort()
            tasks = []
            for offset, what, n in schedule:
                due = began + offset
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if what == "start":
                    job = self.start(http, self.takers[n], stats, due)
                elif what == "save":
                    job = self.save(http, stats, due)
                else:
                    job = self.page(http, stats, due, n)
                tasks.append(asyncio.ensure_future(job))
            await asyncio.gather(*tasks)
            elapsed = time.monotonic() - began
        return stats, elapsed


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def stage_table(stats: Stats, elapsed: float) -> list[str]:
    lines = [
        "| request | count | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        values = stats.latencies[kind]
        if not values:
            continue
        lines.append(
            f"| {kind} | {len(values):,} | {len(values) / elapsed:.1f} | "
            f"{percentile(values, 0.50):.0f} | {percentile(values, 0.95):.0f} | "
            f"{percentile(values, 0.99):.0f} | {stats.errors[kind]:,} |"
        )
    return lines


def overall_p95(stats: Stats) -> float:
    return percentile([v for k in KINDS if k != "start" for v in stats.latencies[k]], 0.95)


def error_share(stats: Stats) -> float:
    total = sum(len(v) for v in stats.latencies.values())
    return sum(stats.errors.values()) / total if total else 0.0
