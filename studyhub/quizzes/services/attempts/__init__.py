"""Attempts: start (or resume), save answers, submit and grade once, submit when time is up.

Starting freezes what the member gets: the questions (random rules drawn with
the attempt's seed, never a question twice), their order, each question's
option order and the version of each question, and the deadline (the time
limit from the start, never past the quiz's close).

The deadline belongs to the server: ``now`` is when the request arrived.
Answers are accepted until the deadline plus a short grace (for a save sent
in the last second over a slow network); later ones are refused with
:class:`~studyhub.core.errors.Closed`, and an attempt found past that point —
by a save, a page view, a new start or the scheduler's job — is submitted
there and then with the answers saved so far.

Concurrency. Every save carries a sequence number from the page; the item is
written by one ``UPDATE … WHERE response_seq < :seq``, so a stale or repeated
save (a retry, an older tab) changes nothing and says so. Saves and the
submission lock the attempt's row first (PostgreSQL), so a save either lands
before the grading reads the answers or finds the attempt submitted; the
submission itself is an ``UPDATE … WHERE state = 'in_progress'``, so a double
submit grades once. On SQLite writers are serialised by the database itself.

The parts: :mod:`.common`, :mod:`.starting`, :mod:`.saving`, :mod:`.submitting`,
:mod:`.reading`; every public name is importable from here.
"""

from studyhub.quizzes.services.attempts.common import (
    DEFAULT_GRACE as DEFAULT_GRACE,
)
from studyhub.quizzes.services.attempts.common import (
    MAX_SEQ as MAX_SEQ,
)
from studyhub.quizzes.services.attempts.common import (
    SHUFFLED_TYPES as SHUFFLED_TYPES,
)
from studyhub.quizzes.services.attempts.common import (
    AttemptClosed as AttemptClosed,
)
from studyhub.quizzes.services.attempts.common import (
    is_expired as is_expired,
)
from studyhub.quizzes.services.attempts.common import (
    is_past as is_past,
)
from studyhub.quizzes.services.attempts.common import (
    remaining_seconds as remaining_seconds,
)
from studyhub.quizzes.services.attempts.common import (
    seconds_to as seconds_to,
)
from studyhub.quizzes.services.attempts.reading import (
    Overview as Overview,
)
from studyhub.quizzes.services.attempts.reading import (
    final_grade as final_grade,
)
from studyhub.quizzes.services.attempts.reading import (
    item_views as item_views,
)
from studyhub.quizzes.services.attempts.reading import (
    load_items as load_items,
)
from studyhub.quizzes.services.attempts.reading import (
    overview as overview,
)
from studyhub.quizzes.services.attempts.saving import (
    Saved as Saved,
)
from studyhub.quizzes.services.attempts.saving import (
    flag_item as flag_item,
)
from studyhub.quizzes.services.attempts.saving import (
    load_item as load_item,
)
from studyhub.quizzes.services.attempts.saving import (
    save_answer as save_answer,
)
from studyhub.quizzes.services.attempts.saving import (
    save_screen as save_screen,
)
from studyhub.quizzes.services.attempts.saving import (
    touch_attempt as touch_attempt,
)
from studyhub.quizzes.services.attempts.starting import (
    attempts_left as attempts_left,
)
from studyhub.quizzes.services.attempts.starting import (
    start_attempt as start_attempt,
)
from studyhub.quizzes.services.attempts.submitting import (
    finish_attempt as finish_attempt,
)
from studyhub.quizzes.services.attempts.submitting import (
    submit_attempt as submit_attempt,
)
