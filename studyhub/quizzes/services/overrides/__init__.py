"""Overrides: an exam's exceptions for one member or for a unit (补考, extra time, a later close).

An override changes any of four settings of an exam — attempts allowed, time
limit, when it opens, when it closes — for one member, or for everyone under a
unit (a branch or a general branch). A setting the override leaves empty stays
as the quiz has it.

**When several overrides match a member** (their own, their branch's, the
general branch's above it), each setting takes the most generous value among
the overrides that set it:

- opens: the earliest;
- closes: the latest;
- time limit: the longest, and "no limit" (0) beats any;
- attempts: the most, and "unlimited" (0) beats any.

This is Moodle's rule for group overrides (``mod/quiz`` override cache: the
most lenient of the groups' values). Moodle gives a user override precedence
over group overrides even where it is stricter; here a member's own override
is combined with the units' ones by the same rule, so an exception can only
add to what the member's branch already has. A setting that some override
sets replaces the quiz's own even when it is stricter (an override for a
branch may close it earlier).

Where it is applied: a new attempt's window check, attempts left and deadline
(:mod:`.attempts`), so the page's countdown, the server's deadline and the
automatic submission all follow; the quiz page; the status page of a unit.
Saving an override moves the deadline of the attempts in progress it covers.
Practice and daily quizzes have no overrides.
"""

from studyhub.quizzes.services.overrides.managing import (
    OverrideFields,
    OverrideRow,
    delete_override,
    find_member,
    override_rows,
    refresh_deadlines,
    save_override,
)
from studyhub.quizzes.services.overrides.rules import (
    MAX_ATTEMPTS,
    MAX_TIME_LIMIT_SECONDS,
    UNLIMITED,
    Settings,
    ancestor_ids,
    combine,
    deadline_for,
    effective,
    for_members,
    for_user,
)

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_TIME_LIMIT_SECONDS",
    "UNLIMITED",
    "OverrideFields",
    "OverrideRow",
    "Settings",
    "ancestor_ids",
    "combine",
    "deadline_for",
    "delete_override",
    "effective",
    "find_member",
    "for_members",
    "for_user",
    "override_rows",
    "refresh_deadlines",
    "save_override",
]
