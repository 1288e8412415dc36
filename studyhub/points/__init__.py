"""Points: the ledger of study points (学习积分) and its per-day caps.

Every award has a ``source_key`` unique per user, so crediting the same
reading or quiz twice adds nothing; the committee's daily cap per kind is
applied when the entry is written.
"""
