"""Audit: the append-only record of every privileged act.

It owns the ``audit_entry`` table and :func:`services.record`, which every
domain's services call in the same transaction as the act they record (who,
when, what kind of act on which object, in which committee or branch, and the
fields before and after). Nothing in the application updates or deletes an
entry. The pages that list the log live with the reports, which may read every
domain; this package sits low so that every domain can write to it.
"""
