"""Backing up and restoring: the database's tables and the uploaded files, one archive.

The design (docs/backups.md): every table is read in ONE repeatable-read
transaction (PostgreSQL ``REPEATABLE READ, READ ONLY``; SQLite a read
transaction, which in WAL mode is a snapshot and never blocks the app's
writers) and written as JSON lines, a row per line, in foreign-key order and
primary-key order. The same archive restores into either database, so moving
from the embedded SQLite to PostgreSQL is a backup and a restore.

A restore checks every checksum before it writes anything, builds the schema of
the archive's migration revision, inserts the rows in batches in one
transaction (checking the counts), resets PostgreSQL's sequences, then runs the
migrations up to the code's head and writes the files. Rows stream through in
batches both ways: memory stays flat whatever the size of the tables."""

from __future__ import annotations

from studyhub.backup.services.backing_up import BackupResult as BackupResult
from studyhub.backup.services.backing_up import back_up as back_up
from studyhub.backup.services.restoring import RestoreResult as RestoreResult
from studyhub.backup.services.restoring import check_target as check_target
from studyhub.backup.services.restoring import drop_tables as drop_tables
from studyhub.backup.services.restoring import restore as restore
from studyhub.backup.services.values import BATCH as BATCH
from studyhub.backup.services.values import VERSION_TABLE as VERSION_TABLE
from studyhub.backup.services.values import NoProgress as NoProgress
from studyhub.backup.services.values import Progress as Progress
from studyhub.backup.services.values import app_version as app_version
