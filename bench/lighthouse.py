#!/usr/bin/env python
"""Lighthouse on the phone pages: every member page and the secretary's and staff's main pages.

Loads the demo (``studyhub demo --no-serve``) into a fresh SQLite file, serves it with
gunicorn on 127.0.0.1, logs the demo's member, secretary and staff in through the login
form, collects the member's pages by following the links from home (one page of each
shape, as ``tests/e2e/test_overflow_e2e.py`` does), and runs Lighthouse (the npm
package) with Debian's Chromium on each page, logged in through a ``Cookie`` header, with
Lighthouse's default mobile emulation. Writes the scores (performance, accessibility, best
practices, SEO), the console errors and the audits that failed to bench/RESULTS.md.

Lighthouse is not a Python package: install it with npm into a folder outside the project
and name that folder (or its ``lighthouse`` script) with ``--lighthouse``:

    mkdir -p ~/lighthouse && (cd ~/lighthouse && npm install lighthouse@12)
    python bench/lighthouse.py --lighthouse ~/lighthouse
    python bench/lighthouse.py --lighthouse ~/lighthouse --max-pages 5    # a short run

The goal (issue 14): 100 in performance, accessibility and best practices on every page,
0 console errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: the shared helpers)

START = "<!-- lighthouse: start -->"
END = "<!-- lighthouse: end -->"
INTRO = (
    "## Lighthouse on the phone pages (`bench/lighthouse.py`)\n\n"
    "Lighthouse's default mobile emulation (Moto G Power, simulated slow 4G), Debian's "
    "Chromium, logged in through a cookie header, on the demo data served by gunicorn. "
    "Goal: 100 in performance, accessibility and best practices, 0 console errors."
)
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MEMBER = "13800000003"  # 张伟, a member of 机关第一党支部
SECRETARY = "13800000001"  # 王建国, secretary of 机关第一党支部
STAFF = "13800000002"  # 李秀英, committee staff
SKIP = re.compile(
    r"^/(static|_bench|health|logout|login|sw\.js|manifest)"
    r"|/(export|download|print|file|files|media|uploads?|template|checkin)\b"
    r"|\.(csv|xlsx|pdf|png|jpg|svg|ico|zip|json|txt|webmanifest)$"
)
LINK = re.compile(r'<a\s[^>]*href="(/[^"#]*)"')


@dataclass
class Result:
    role: str
    path: str
    scores: dict[str, int | None] = field(default_factory=dict)
    console_errors: int = 0
    failed: list[str] = field(default_factory=list)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lighthouse",
        required=True,
        help="the folder lighthouse was npm-installed into, or its lighthouse script",
    )
    parser.add_argument("--max-pages", type=int, default=40, help="member pages at most")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: free)")
    parser.add_argument("--keep", action="store_true", help="keep the JSON reports")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    base.add_server_arguments(parser)
    return parser.parse_args()


def lighthouse_script(given: str) -> str:
    path = Path(given).expanduser()
    if path.is_dir():
        path = path / "node_modules" / ".bin" / "lighthouse"
    if not path.exists():
        sys.exit(f"no lighthouse at {path} (npm install lighthouse into a folder, see --help)")
    return str(path)


def shape(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


def member_pages(port: int, cookie: str, limit: int) -> list[str]:
    """The member's pages, found by following links from home: one of each shape."""
    seen: set[str] = set()
    found: list[str] = []
    queue = deque(["/", "/account", "/inbox", "/quizzes/daily", "/help/"])
    while queue and len(found) < limit:
        target = queue.popleft()
        path = urllib.parse.urlsplit(target).path
        if SKIP.search(path) or shape(path) in seen:
            continue
        seen.add(shape(path))
        status, _cookies, location, page = base.request(port, "GET", target, cookie=cookie)
        if status in (301, 302, 303) and location.startswith("/"):
            queue.appendleft(location)  # /reports/my-score: the member's own score page
            continue
        if status != 200 or "<html" not in page[:200].lower():
            continue
        found.append(target)
        queue.extend(urllib.parse.unquote(m).replace("&amp;", "&") for m in LINK.findall(page))
    return found


def main_pages(port: int, cookie: str) -> list[str]:
    """Home and the first destination of the tab bar (the branch, or the organisation)."""
    _status, _cookies, _location, page = base.request(port, "GET", "/", cookie=cookie)
    pages = ["/"]
    tabbar = page.split('class="tabbar', 1)[-1].split("</nav>", 1)[0]
    for href in LINK.findall(tabbar):
        if href not in pages and href.startswith(("/org/", "/quizzes/manage")):
            pages.append(href)
    return pages


def run_lighthouse(script: str, port: int, path: str, cookie: str, out: Path) -> dict:
    command = [
        script,
        f"http://127.0.0.1:{port}{path}",
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--extra-headers={json.dumps({'Cookie': cookie, 'Accept-Language': 'zh-CN'})}",
        "--locale=zh-CN",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse on {path} failed: {done.stderr[-800:]}")
    return json.loads(out.read_text())


def result_of(role: str, path: str, report: dict) -> Result:
    result = Result(role, path)
    for name in CATEGORIES:
        score = report["categories"].get(name, {}).get("score")
        result.scores[name] = None if score is None else round(score * 100)
    console = report["audits"].get("errors-in-console", {})
    result.console_errors = len((console.get("details") or {}).get("items") or [])
    for name in ("accessibility", "best-practices", "performance"):
        for ref in report["categories"].get(name, {}).get("auditRefs", []):
            audit = report["audits"].get(ref["id"], {})
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                result.failed.append(ref["id"])
    return result


def table(results: list[Result]) -> str:
    lines = [
        "| role | page | performance | accessibility | best practices | SEO | console errors "
        "| audits not passed |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        s = r.scores
        lines.append(
            f"| {r.role} | `{r.path}` | {s['performance']} | {s['accessibility']} "
            f"| {s['best-practices']} | {s['seo']} | {r.console_errors} "
            f"| {', '.join(r.failed) or '—'} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    script = lighthouse_script(args.lighthouse)
    studyhub = base.tool("studyhub")
    base.tool("gunicorn")
    if not Path(CHROMIUM).exists():
        sys.exit(f"Lighthouse runs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    started = datetime.now().astimezone()
    instance = Path(tempfile.mkdtemp(prefix="studyhub-lighthouse-"))
    url = f"sqlite:///{instance / 'demo.sqlite'}"
    env = base.server_env(url, instance)
    print("loading the demo …", flush=True)
    subprocess.run(
        [studyhub, "demo", "--no-serve"],
        env=env,
        cwd=base.PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = args.port or base.free_port()
    server = base.start_server(args, port, env, base.PROJECT_ROOT)
    results: list[Result] = []
    try:
        base.wait_until_up(port, server)
        password = demo_password()
        member = base.log_in(port, MEMBER, password)
        pages = [("member", p, member) for p in member_pages(port, member, args.max_pages)]
        for role, phone in (("secretary", SECRETARY), ("staff", STAFF)):
            cookie = base.log_in(port, phone, password)
            pages += [(role, p, cookie) for p in main_pages(port, cookie)]
        print(f"{len(pages)} pages", flush=True)
        for number, (role, path, cookie) in enumerate(pages, start=1):
            out = instance / f"lh-{number}.json"
            result = result_of(role, path, run_lighthouse(script, port, path, cookie, out))
            results.append(result)
            print(
                f"[{number}/{len(pages)}] {role} {path}: {result.scores} "
                f"console errors {result.console_errors} {result.failed}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
        else:
            print(f"reports kept in {instance}")
    perfect = sum(
        1
        for r in results
        if all(r.scores[c] == 100 for c in CATEGORIES[:3]) and r.console_errors == 0
    )
    section = (
        f"### {started:%Y-%m-%d %H:%M %Z}, commit {base.project_commit(None)}\n\n"
        f"Lighthouse {lighthouse_version(script)}, {chromium_version()}; "
        f"{len(results)} pages, {perfect} with 100/100/100 and no console error.\n\n"
        f"{table(results)}\n"
    )
    print(section)
    if not args.no_write:
        base.write_section(section, start=START, end=END, intro=INTRO)


def demo_password() -> str:
    from studyhub.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def lighthouse_version(script: str) -> str:
    done = subprocess.run([script, "--version"], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def chromium_version() -> str:
    done = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return done.stdout.strip() or "Chromium"


if __name__ == "__main__":
    main()
