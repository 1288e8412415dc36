"""The scheduler process: the only code that imports APScheduler.

``registry`` lists every job and its trigger; ``lock.py`` makes sure only one
scheduler process runs jobs (an advisory lock on PostgreSQL, a lease row on
SQLite); ``JobRun`` rows make "once per day" jobs idempotent.
"""
