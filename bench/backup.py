#!/usr/bin/env python
"""Benchmark ``studyhub backup`` and ``studyhub restore`` on gen-data's large data set.

The source database must already hold gen-data's organisation (for the figures in
RESULTS.md: ``studyhub gen-data --members 100000 --branches 2000 --seed 7
--attempts 50000 --audit-entries 100000``, then ``studyhub db upgrade``). The
script puts ``--files`` synthetic uploaded files (256 KiB each) into a temporary
uploads folder, then in a fresh process each:

1. backs up the source into a temporary archive (``services.back_up``, as the
   command does);
2. restores that archive into ``--target`` (emptied first, as ``--force`` does;
   a SQLite file in the temporary folder by default).

Each step reports its wall-clock seconds, CPU seconds and memory growth: the peak
resident memory during the step (sampled every 10 ms) less the resident memory
just before it. The figures go to their own section of ``bench/RESULTS.md``.

    python bench/backup.py --source sqlite:////tmp/bench/bench.sqlite
    python bench/backup.py --source postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench \\
        --target postgresql+psycopg://postgres@127.0.0.1:5432/studyhub_bench_restore
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as base  # noqa: E402  (bench/run.py: the machine, the results file)

START = "<!-- backup: start -->"
END = "<!-- backup: end -->"
GOAL_BACKUP_S = 120
GOAL_BACKUP_MB = 200
GOAL_RESTORE_S = 300
INTRO = (
    "## Backup and restore (`bench/backup.py`)\n\n"
    "`studyhub backup` and `studyhub restore` of gen-data's data set, each in a fresh "
    f"process. Goals: backup ≤ {GOAL_BACKUP_S} s and ≤ {GOAL_BACKUP_MB} MB memory growth, "
    f"restore ≤ {GOAL_RESTORE_S} s. Memory growth is the peak resident memory during the "
    "step (sampled every 10 ms) less the resident memory just before it."
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="database URL holding gen-data's set")
    parser.add_argument("--target", help="database URL to restore into (emptied first)")
    parser.add_argument("--files", type=int, default=200, help="synthetic uploaded files")
    parser.add_argument("--data", default="", help="how the source data was made (for RESULTS)")
    parser.add_argument("--worker", choices=["backup", "restore"], help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--uploads", help=argparse.SUPPRESS)
    return parser.parse_args()


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """The highest resident memory seen while the block runs, sampled in a thread."""

    def __enter__(self) -> PeakMemory:
        self.before = _rss()
        self.peak = self.before
        self.maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.wait(0.01):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if maxrss > self.maxrss_before:  # a peak between two samples raised the maximum
            self.peak = max(self.peak, maxrss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 1024 / 1024


def worker(args: argparse.Namespace) -> None:
    """One step in this (fresh) process; prints its figures as JSON."""
    from studyhub import create_app
    from studyhub.backup.files import StoredFiles
    from studyhub.backup.services import back_up, restore
    from studyhub.extensions import db
    from studyhub.web.storage import current_storage

    url = args.source if args.worker == "backup" else args.target
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": args.uploads,
        }
    )
    archive = Path(args.archive)
    with app.app_context():
        files = StoredFiles(current_storage())
        started, cpu = time.perf_counter(), time.process_time()
        with PeakMemory() as memory:
            if args.worker == "backup":
                result = back_up(db.engine, files, archive, now=datetime.now(UTC))
            else:
                result = restore(app, db.engine, files, archive, force=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        db.engine.dispose()
    manifest = result.manifest
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "growth_mb": memory.growth_mb,
                "rows": sum(t.rows for t in manifest.tables),
                "members": next(t.rows for t in manifest.tables if t.name == "member"),
                "files": len(manifest.files),
                "archive_mb": archive.stat().st_size / 1024 / 1024,
                "biggest": sorted(((t.rows, t.name) for t in manifest.tables), reverse=True)[:3],
            }
        )
    )


def step(args: argparse.Namespace, name: str, archive: Path, uploads: Path) -> dict:
    command = [
        sys.executable, __file__, "--worker", name, "--source", args.source,
        "--archive", str(archive), "--uploads", str(uploads),
    ]  # fmt: skip
    if args.target:
        command += ["--target", args.target]
    env = {**os.environ, "STUDYHUB_INSTANCE_PATH": str(uploads.parent)}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    work = Path(tempfile.mkdtemp(prefix="studyhub-bench-backup-"))
    try:
        source_uploads = work / "source" / "uploads"
        source_uploads.mkdir(parents=True)
        for n in range(args.files):
            folder = source_uploads / str(1 + n % 5)
            folder.mkdir(exist_ok=True)
            (folder / f"{n:064x}.jpg").write_bytes(os.urandom(256 * 1024))
        if not args.target:
            args.target = f"sqlite:///{work / 'restored.sqlite'}"
        target_uploads = work / "target" / "uploads"
        target_uploads.mkdir(parents=True)
        archive = work / "backup.tar"
        load = [os.getloadavg()[0]]
        started = datetime.now(UTC)
        backup = step(args, "backup", archive, source_uploads)
        restored = step(args, "restore", archive, target_uploads)
        load.append(os.getloadavg()[0])
        base.write_section(
            report(args, started, load, backup, restored), start=START, end=END, intro=INTRO
        )
        print(report(args, started, load, backup, restored))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(args, started, load, backup, restored) -> str:
    info = base.machine()
    source = base.database_version(args.source)
    target = base.database_version(args.target)
    biggest = ", ".join(f"{name} {rows:,}" for rows, name in backup["biggest"])
    lines = [
        f"### {started:%Y-%m-%d %H:%M} UTC — {source} → {target}",
        "",
        f"- Machine: {info['machine']}; {info['os']}; load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after (other work on the machine stretches the wall-clock seconds, "
        "not the CPU seconds)",
        f"- Software: Python {info['python']}, studyhub {base.project_commit(None)}",
        f"- Data: {args.data or 'gen-data'}: {backup['members']:,} members, "
        f"{backup['rows']:,} rows in all (largest: {biggest}); {backup['files']} uploaded "
        f"files of 256 KiB; archive {backup['archive_mb']:.0f} MB",
        "",
        "| step | seconds | CPU s | memory growth (MB) | goal |",
        "|---|---:|---:|---:|---|",
    ]
    met = backup["seconds"] <= GOAL_BACKUP_S and backup["growth_mb"] <= GOAL_BACKUP_MB
    lines.append(
        f"| backup | {backup['seconds']:.1f} | {backup['cpu']:.1f} | {backup['growth_mb']:.0f} "
        f"| ≤ {GOAL_BACKUP_S} s, ≤ {GOAL_BACKUP_MB} MB: {'met' if met else 'NOT met'} |"
    )
    met = restored["seconds"] <= GOAL_RESTORE_S
    lines.append(
        f"| restore (checks, loads, migrates, files) | {restored['seconds']:.1f} "
        f"| {restored['cpu']:.1f} | {restored['growth_mb']:.0f} "
        f"| ≤ {GOAL_RESTORE_S} s: {'met' if met else 'NOT met'} |"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
