"""Backups: one archive holding a consistent snapshot of the database and every uploaded file.

``studyhub backup -o FILE`` writes it, ``studyhub restore FILE`` reads it back into
an empty database, and the scheduler's ``backup.nightly`` job keeps the last few
in ``BACKUP_FOLDER``. The archive is a plain tar: ``data/NNN-<table>.jsonl.gz`` per
table (one JSON array per row, read in one repeatable-read snapshot), the files
under ``files/``, and ``manifest.json`` last (app version, migration revision, row
counts, and the SHA-256 of every other member). The table data is portable, so a
backup taken on SQLite restores into PostgreSQL (see docs/backups.md).
"""
