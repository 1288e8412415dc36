#!/usr/bin/env python
"""Benchmark studyhub under gunicorn with wrk and write the figures to bench/RESULTS.md.

Builds a database with ``studyhub db upgrade`` and ``studyhub gen-data`` (a
fresh SQLite file in a temporary instance folder, or the PostgreSQL database
given with ``--database-url``), starts ``gunicorn -w 2`` (sync workers) on it with the
benchmark floor route switched on, logs a member and a branch secretary in over
HTTP, then runs wrk for a fixed time against each endpoint. Every figure is
also given as a ratio to the floor (a bare Flask endpoint in the same process
setup), which is what the goals are stated in: absolute numbers depend on the
machine, ratios much less.

Run from the project root with the project's virtualenv:

    python bench/run.py                      # SQLite, 20,000 members in 300 branches
    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/studyhub_bench
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from statistics import median

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
RUNS_MARKER = "<!-- runs, newest first -->"
RESULTS_HEADER = f"""# Benchmark results

Written by `bench/run.py` (see `bench/README.md`); the newest run first. Each
endpoint's requests per second is also given as a ratio to the floor, a bare
Flask endpoint served by the same gunicorn setup, measured in the same run.
The goals are ratios to the floor, reported here and never asserted in tests.

{RUNS_MARKER}
"""

# (label, ratio to the floor's requests per second it should reach, where it applies)
GOALS = {
    "empty page": (0.50, "SQLite"),
    "member home": (0.20, "SQLite"),
    "reading page": (0.25, "SQLite"),
    "branch page": (0.25, "SQLite"),
    "exam page": (0.15, "SQLite"),
}
# What the reference endpoints beside the floor show, under every run's table.
REFERENCES = (
    "References: the *member floor* is the floor behind the login check (the member's "
    "session cookie, the user loaded and checked), what every member's page pays before it "
    "does anything; the *empty page* is the page layout for that member with nothing in it "
    "(header, navigation with the unread count, footer), the most any page in the layout "
    "can reach."
)
# The reading page's HTML, CSS and JavaScript, gzip-compressed, at most this many KB.
READING_WEIGHT_GOAL_KB = 40.0


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: str
    cookie: str | None = None


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: str | None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--branches", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help="Use this database instead of a fresh SQLite file; its name must contain 'bench' "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench). The generated "
        "committee is replaced; nothing else in it is touched.",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="With --database-url: keep the generated committee if it is there already.",
    )
    add_server_arguments(parser)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measure every endpoint this many times, in turn; the report gives medians",
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--wait-for-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for the load average to drop below "
        "half the cores",
    )
    parser.add_argument(
        "--rev",
        help="benchmark this commit (exported with git archive into the temporary folder) "
        "instead of the working tree, which may be changing under the run",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the temporary instance folder.")
    parser.add_argument(
        "--no-write", action="store_true", help="Print the results without writing RESULTS.md."
    )
    return parser.parse_args()


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The gunicorn setup every benchmark serves the app with (the floor too)."""
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=1,
        help="threads per gunicorn worker: 1 (the default) gives sync workers, as README's "
        "production command; more gives gthread workers",
    )


def server_setup(args: argparse.Namespace) -> str:
    """The gunicorn setup as the report gives it."""
    if args.worker_threads > 1:
        return f"`gunicorn -w {args.workers} --threads {args.worker_threads}` (gthread workers)"
    return f"`gunicorn -w {args.workers}` (sync workers)"


def start_server(args: argparse.Namespace, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    """``gunicorn`` serving ``studyhub:create_app()`` on 127.0.0.1:``port``."""
    command = [tool("gunicorn"), "-w", str(args.workers), "--threads", str(args.worker_threads)]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "studyhub:create_app()"]
    return subprocess.Popen(command, env=env, cwd=cwd)


def tool(name: str) -> str:
    """A console script of this virtualenv, else one on PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} is not installed (apt-get install wrk / pip install -e .)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]


def bench_database(requested: str | None, instance: Path) -> str:
    """The database to bench on: ``--database-url`` (its name must contain 'bench', so that no
    working database is overwritten), else a new SQLite file in ``instance``."""
    if requested:
        if "bench" not in database_name(requested):
            sys.exit("--database-url: use a database made for this, its name containing 'bench'")
        return requested
    return f"sqlite:///{instance / 'bench.sqlite'}"


def server_env(url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment the app runs in for a benchmark: production settings, a fresh secret
    key, ``url``'s database and ``instance`` (plus ``extra`` variables)."""
    return {
        **os.environ,
        "STUDYHUB_ENV": "production",
        "STUDYHUB_SECRET_KEY": secrets.token_hex(32),
        "STUDYHUB_DATABASE_URL": url,
        "STUDYHUB_INSTANCE_PATH": str(instance),
        **extra,
    }


# -- HTTP without a client library: a form login, then the cookie for wrk -----------------


def request(
    port: int, method: str, path: str, *, cookie: str | None = None, form: dict | None = None
) -> tuple[int, dict[str, str], str, str]:
    """(status, cookies set, location, body) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Language": "zh-CN,zh;q=0.9"}
    body = None
    if cookie:
        headers["Cookie"] = cookie
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _sep, value = header.split(";", 1)[0].partition("=")
        cookies[name.strip()] = value.strip()
    return response.status, cookies, response.headers.get("Location", ""), text


def log_in(port: int, identifier: str, password: str) -> str:
    """Log in through the form as a browser would; returns the Cookie header to send."""
    status, cookies, _location, page = request(port, "GET", "/login")
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or match is None or "session" not in cookies:
        sys.exit(f"GET /login gave {status} without a CSRF token or session cookie")
    form = {"csrf_token": match.group(1), "identifier": identifier, "password": password}
    status, new_cookies, location, _page = request(
        port, "POST", "/login", cookie=f"session={cookies['session']}", form=form
    )
    if status != 302 or urllib.parse.urlsplit(location).path != "/":
        sys.exit(f"logging in {identifier} gave {status} → {location!r}, not a redirect to /")
    cookies.update(new_cookies)
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def check_page(port: int, path: str, cookie: str | None, expected: str) -> None:
    status, _cookies, location, page = request(port, "GET", path, cookie=cookie)
    if status != 200 or expected not in page:
        sys.exit(f"GET {path} gave {status} {location} without {expected!r}; not benchmarking it")


def page_weight(port: int, path: str, cookie: str | None) -> list[tuple[str, int, int]]:
    """(resource, bytes, gzip bytes) of a page and the CSS and JavaScript it loads.

    Each is compressed with gzip level 6, as a gzip-serving proxy would send it; images
    are left out.
    """
    status, _cookies, _location, html = request(port, "GET", path, cookie=cookie)
    if status != 200:
        sys.exit(f"GET {path} gave {status}")
    found = [(path, html.encode())]
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))', html):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", asset)
        body = conn.getresponse().read()
        conn.close()
        found.append((asset, body))
    return [(name, len(body), len(gzip.compress(body, compresslevel=6))) for name, body in found]


def weight_table(weight: list[tuple[str, int, int]]) -> tuple[list[str], float]:
    """Markdown lines of a page's weight, and its gzip total in KB."""
    lines = ["| resource | bytes | gzip bytes |", "|---|---:|---:|"]
    for name, raw, packed in weight:
        lines.append(f"| `{name}` | {raw:,} | {packed:,} |")
    packed_total = sum(packed for _n, _r, packed in weight)
    lines.append(f"| total | {sum(r for _n, r, _p in weight):,} | {packed_total:,} |")
    return lines, packed_total / 1024


def todays_reading(port: int, cookie: str) -> str:
    """The path of the reading of the day linked from the member's home page."""
    _status, _cookies, _location, page = request(port, "GET", "/", cookie=cookie)
    panel = page.partition('id="today-reading"')[2]
    match = re.search(r'href="(/readings/\d+)"', panel.partition("</section>")[0])
    if match is None:
        sys.exit("the member's home page links no reading of the day; not benchmarking it")
    return match.group(1)


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped while starting")
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer /healthz in time")


def wait_for_quiet(seconds: int) -> None:
    quiet = (os.cpu_count() or 1) / 2
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] >= quiet and time.monotonic() < deadline:
        print(f"load average {os.getloadavg()[0]:.1f}, waiting…", flush=True)
        time.sleep(15)


# -- wrk ----------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> Figures:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    if rps is None or total is None or not {"50", "90", "99"} <= percentiles.keys():
        raise ValueError(f"cannot read wrk's output:\n{output}")
    errors = [
        line.strip()
        for line in output.splitlines()
        if line.strip().startswith(("Socket errors", "Non-2xx"))
    ]
    return Figures(
        requests_per_second=float(rps.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(total.group(1)),
        errors="; ".join(errors) or None,
    )


def run_wrk(wrk: str, port: int, endpoint: Endpoint, args: argparse.Namespace) -> Figures:
    url = f"http://127.0.0.1:{port}{endpoint.path}"
    base = [wrk, f"-t{args.threads}", f"-c{args.connections}", "--latency"]
    if endpoint.cookie:
        base += ["-H", f"Cookie: {endpoint.cookie}"]
    if args.warmup:
        subprocess.run([*base, f"-d{args.warmup}s", url], check=True, capture_output=True)
    done = subprocess.run(
        [*base, f"-d{args.duration}s", url], check=True, capture_output=True, text=True
    )
    return parse_wrk(done.stdout)


# -- the machine --------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, AttributeError):
        ram = "unknown RAM"
    return {
        "machine": f"{cpu}, {os.cpu_count()} cores, {ram}",
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    return f"PostgreSQL {version}"


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    first = (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "wrk"
    return " ".join(first.split()[:2])


def project_commit(rev: str | None) -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", rev or "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "studyhub", "templates"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if rev:
        return f"{commit} (exported)"
    return f"{commit}{' with uncommitted changes' if dirty else ''}"


def export_source(rev: str, target: Path) -> Path:
    """The tree of ``rev`` in ``target``, put first on the import path of every process."""
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    # Since setup.py maps templates/ and migrations/ into the package, the app finds them
    # as studyhub.templates and studyhub.migrations, which the editable install of the
    # checkout would answer with the checkout's folders: link the tree's own into its
    # package, where the import path finds them first.
    for name in ("templates", "migrations"):
        if (target / name / "__init__.py").exists():
            (target / "studyhub" / name).symlink_to(Path("..") / name)
    sys.path.insert(0, str(target))
    return target


# -- the report ---------------------------------------------------------------------------


def report(
    *,
    started: datetime,
    args: argparse.Namespace,
    database: str,
    info: dict[str, str],
    gen_seconds: float | None,
    branch: str,
    endpoints: list[Endpoint],
    rounds: list[list[Figures]],
    weight: list[tuple[str, int, int]],
) -> str:
    """The run's section of RESULTS.md: medians over the rounds, ratios taken per round."""
    lines = [
        f"## {started:%Y-%m-%d %H:%M %Z} — {database.split()[0]}",
        "",
        f"- Machine: {info['machine']}; {info['os']}; load average {info['load']}",
        f"- Software: Python {info['python']}, {database}, gunicorn {info['gunicorn']}, "
        f"{info['wrk']}, studyhub {info['commit']}",
        f"- Data: `studyhub gen-data --members {args.members} --branches {args.branches} "
        f"--seed {args.seed}`"
        + (f" ({gen_seconds:.0f} s)" if gen_seconds is not None else " (reused)")
        + f"; branch page: {branch}",
        f"- Load: {server_setup(args)}, production settings; "
        f"`wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency` per endpoint "
        f"after a {args.warmup} s warm-up, endpoints in turn, {args.rounds} round(s); "
        "medians over the rounds; wrk runs on the same machine",
        "",
        "| endpoint | path | req/s | ratio to floor | p50 ms | p90 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    ratios: dict[str, float] = {}
    for index, endpoint in enumerate(endpoints):
        figures = [r[index] for r in rounds]
        ratio = median(r[index].requests_per_second / r[0].requests_per_second for r in rounds)
        ratios[endpoint.label] = ratio
        lines.append(
            f"| {endpoint.label} | `{endpoint.path}` "
            f"| {median(f.requests_per_second for f in figures):,.0f} | {ratio:.0%} "
            f"| {median(f.p50_ms for f in figures):.1f} | {median(f.p90_ms for f in figures):.1f} "
            f"| {median(f.p99_ms for f in figures):.1f} |"
        )
    problems = sorted(
        {
            f"{e.label}: {r[i].errors}"
            for r in rounds
            for i, e in enumerate(endpoints)
            if r[i].errors
        }
    )
    if problems:
        lines += ["", "wrk reported errors — " + "; ".join(problems)]
    if len(rounds) > 1:
        spread = ", ".join(
            f"{e.label} "
            + "/".join(f"{r[i].requests_per_second / r[0].requests_per_second:.0%}" for r in rounds)
            for i, e in enumerate(endpoints[1:], start=1)
        )
        lines += ["", f"Ratios in each round: {spread}."]
    lines += ["", REFERENCES]
    weight_lines, weight_kb = weight_table(weight)
    lines += ["", "Reading page weight (gzip level 6, without images):", "", *weight_lines]
    lines += ["", "Goals:", ""]
    for label, (goal, applies_to) in GOALS.items():
        verdict = "met" if ratios[label] >= goal else "NOT met"
        note = "" if database.startswith(applies_to) else f" (the goal is set for {applies_to})"
        lines.append(
            f"- {label} at least {goal:.0%} of the floor: {ratios[label]:.0%} — {verdict}{note}"
        )
    lines.append(
        f"- reading page at most {READING_WEIGHT_GOAL_KB:.0f} KB gzip: {weight_kb:.1f} KB — "
        + ("met" if weight_kb <= READING_WEIGHT_GOAL_KB else "NOT met")
    )
    return "\n".join(lines) + "\n"


def write_results(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else RESULTS_HEADER
    if RUNS_MARKER not in text:
        text = RESULTS_HEADER + "\n" + text
    head, _sep, older = text.partition(RUNS_MARKER)
    RESULTS.write_text(f"{head}{RUNS_MARKER}\n\n{section}\n{older.lstrip()}".rstrip() + "\n")


def write_section(section: str, *, start: str, end: str, intro: str) -> None:
    """Put this run first in a benchmark's own section of RESULTS.md (between the ``start``
    and ``end`` markers, under ``intro``), keeping its earlier runs and the other sections."""
    text = RESULTS.read_text() if RESULTS.exists() else RESULTS_HEADER
    if start in text:
        head, _s, rest = text.partition(start)
        older, _e, tail = rest.partition(end)
        runs = older.split("\n### ", 1)
        previous = f"### {runs[1]}" if len(runs) > 1 else ""
    else:
        head, previous, tail = text.rstrip() + "\n\n", "", "\n"
    body = f"{intro}\n\n{section}\n{previous}".strip()
    RESULTS.write_text(f"{head}{start}\n{body}\n{end}{tail}".rstrip() + "\n")


def publish_section(section: str, *, write: bool, start: str, end: str, intro: str) -> None:
    """Print a run's section and, when ``write``, put it first in RESULTS.md."""
    print()
    print(section)
    if write:
        write_section(section, start=start, end=end, intro=intro)
        print(f"written to {RESULTS.relative_to(PROJECT_ROOT)}")


# -- the run ------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    wrk, studyhub = tool("wrk"), tool("studyhub")
    tool("gunicorn")  # missing tools stop the run before the data is built
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-bench-"))
    url = bench_database(args.database_url, instance)
    source = export_source(args.rev, instance / "src") if args.rev else PROJECT_ROOT
    env = server_env(url, instance, STUDYHUB_BENCH_FLOOR="1")
    if args.rev:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    os.environ.update(env)  # the in-process app below reads the same settings
    server = None
    try:
        upgrade = subprocess.run(
            [studyhub, "db", "upgrade"], env=env, cwd=source, capture_output=True, text=True
        )
        if upgrade.returncode:
            sys.exit(f"studyhub db upgrade failed:\n{upgrade.stderr[-3000:]}")
        gen_seconds = generate(studyhub, env, args, cwd=source)
        member, secretary = logins(args.seed)
        port = free_port()
        server = start_server(args, port, env, source)
        wait_until_up(port, server)
        from studyhub.benchdata.generation import PASSWORD

        member_cookie = log_in(port, member.login, PASSWORD)
        secretary_cookie = log_in(port, secretary.login, PASSWORD)
        branch_path = f"/org/units/{secretary.unit_id}"
        check_page(port, "/", member_cookie, member.name)
        check_page(port, branch_path, secretary_cookie, secretary.unit_name)
        # Opened once here, so the measured visits are the member's later ones (no new receipt).
        reading_path = todays_reading(port, member_cookie)
        check_page(port, reading_path, member_cookie, 'id="reading-end"')
        weight = page_weight(port, reading_path, member_cookie)
        exam_path = f"/quizzes/attempts/{exam_attempt(args.seed, member.login)}"
        check_page(port, exam_path, member_cookie, 'class="card question-screen')
        endpoints = [
            Endpoint("floor", "/_bench/floor"),
            Endpoint("login page", "/login"),
            Endpoint("member floor", "/_bench/member-floor", member_cookie),
            Endpoint("empty page", "/_bench/empty-page", member_cookie),
            Endpoint("member home", "/", member_cookie),
            Endpoint("reading page", reading_path, member_cookie),
            Endpoint("branch page", branch_path, secretary_cookie),
            Endpoint("exam page", exam_path, member_cookie),
        ]
        wait_for_quiet(args.wait_for_quiet)
        load_before = os.getloadavg()[0]
        if load_before > (os.cpu_count() or 1) / 2:
            print(f"warning: load average {load_before:.1f} before measuring: noisy figures")
        rounds: list[list[Figures]] = []
        for number in range(1, args.rounds + 1):
            print(f"round {number} of {args.rounds}: ", end="", flush=True)
            rounds.append([])
            for endpoint in endpoints:
                print(f"{endpoint.label}… ", end="", flush=True)
                rounds[-1].append(run_wrk(wrk, port, endpoint, args))
            print(flush=True)
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
        **machine(),
        "gunicorn": metadata.version("gunicorn"),
        "wrk": wrk_version(wrk),
        "commit": project_commit(args.rev),
        "load": f"{load_before:.1f} before, {load_after:.1f} after",
    }
    section = report(
        started=started,
        args=args,
        database=database_version(url),
        info=info,
        gen_seconds=gen_seconds,
        branch=f"{secretary.unit_name}, {secretary.unit_size} members",
        endpoints=endpoints,
        rounds=rounds,
        weight=weight,
    )
    print()
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS.relative_to(PROJECT_ROOT)}")


def gen_data_command(studyhub: str, args: argparse.Namespace, *extra: str) -> list[str]:
    """``studyhub gen-data`` for the run's ``--members``, ``--branches`` and ``--seed`` (with
    ``extra`` options), replacing that seed's committee."""
    return [
        studyhub,
        "gen-data",
        f"--members={args.members}",
        f"--branches={args.branches}",
        *extra,
        f"--seed={args.seed}",
        "--replace",
    ]


def generate(
    studyhub: str, env: dict[str, str], args: argparse.Namespace, *, cwd: Path
) -> float | None:
    """Run gen-data (replacing this seed's committee); None when reusing the data."""
    command = gen_data_command(studyhub, args)
    if args.reuse_data and args.database_url and committee_exists(args.seed):
        print("reusing the generated committee")
        return None
    print(" ".join(command[1:]), flush=True)
    begun = time.monotonic()
    subprocess.run(command, env=env, cwd=cwd, check=True)
    return time.monotonic() - begun


def _app_context():
    from studyhub import create_app

    return create_app().app_context()


def committee_exists(seed: int) -> bool:
    from studyhub.benchdata.run import find_committee
    from studyhub.extensions import db

    with _app_context():
        return find_committee(db.session, seed) is not None


def logins(seed: int):
    """The generated member and the secretary of the branch nearest 60 members."""
    from studyhub.benchdata.run import find_committee, sample_logins
    from studyhub.extensions import db

    with _app_context():
        committee = find_committee(db.session, seed)
        found = {login.role: login for login in sample_logins(db.session, committee)}
        db.engine.dispose()
    return found["member"], found["secretary"]


EXAM_QUESTIONS = 50


def exam_attempt(seed: int, login: str) -> int:
    """An exam of :data:`EXAM_QUESTIONS` questions of the generated bank (shuffled questions
    and options) with an attempt in progress of the member logging in as ``login``."""
    from decimal import Decimal

    from sqlalchemy import select

    from studyhub.accounts.models import User
    from studyhub.benchdata.quizzes import BANK_NAME
    from studyhub.benchdata.run import find_committee
    from studyhub.core import clock
    from studyhub.extensions import db
    from studyhub.quizzes.models import Bank, QuestionType, QuizMode
    from studyhub.quizzes.services import attempts, quizzes

    with _app_context():
        session, now = db.session, clock.now_utc()
        committee = find_committee(session, seed)
        bank = session.scalars(
            select(Bank).where(Bank.committee_id == committee.id, Bank.name == BANK_NAME)
        ).one()
        fields = quizzes.QuizFields(
            title=f"基准·考试页 {now:%H%M%S}",
            mode=QuizMode.EXAM,
            attempts_allowed=None,
            shuffle_questions=True,
            shuffle_options=True,
        )
        quiz = quizzes.create_quiz(session, committee, fields, by_user_id=None, now=now)
        quizzes.add_rule_slot(
            session,
            quiz,
            bank_id=bank.id,
            category_id=None,
            include_subcategories=True,
            qtype=QuestionType.SINGLE,
            count=EXAM_QUESTIONS,
            points=Decimal(2),
            actor_id=None,
            now=now,
        )
        quizzes.publish_quiz(session, quiz, actor_id=None, now=now)
        quizzes.assign_quiz(session, quiz, committee, actor_id=None, now=now)
        user = session.scalars(select(User).where(User.phone == login)).one()
        attempt = attempts.start_attempt(session, quiz, user_id=user.id, now=now, seed=seed)
        session.commit()
        attempt_id = attempt.id
        db.engine.dispose()
    return attempt_id


if __name__ == "__main__":
    main()
