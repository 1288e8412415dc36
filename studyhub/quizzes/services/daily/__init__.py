"""The daily quiz (每日答题): a few questions a day per member, points for right answers.

Each committee has one quiz of mode ``daily``, made on demand. Its slots are
random rules, one per chosen bank: they record which banks the questions come
from (``Quiz.daily_question_count`` says how many a day, 5 by default). The
draw is this module's, not the rules': every day each member gets that many
live questions from those banks, avoiding the ones they were given in their
daily quizzes of the last :data:`RECENT_DAYS` days (when the banks run short,
the longest unseen of those fill the gap).

One graded go per day: the attempt is unique per (quiz, member, local date),
each answer is graded when given and cannot be changed (the attempt engine's
instant feedback), and the attempt is submitted when the last question is
answered (yesterday's unfinished one is submitted when today's starts).
Every right answer credits points of kind ``daily_quiz`` into the ledger,
under the committee's rule (points per answer, daily cap); a wrong answer
earns nothing and goes to the mistake book. The streak counts consecutive days
with a finished daily quiz.

The parts: :mod:`.setup` (the committee's daily quiz and its settings), :mod:`.taking`
(drawing, answering, the streak) and :mod:`.home` (the home page's panel); every public
name is importable from here.
"""

from studyhub.quizzes.services.daily.home import Today as Today
from studyhub.quizzes.services.daily.home import today_for as today_for
from studyhub.quizzes.services.daily.setup import DEFAULT_QUESTIONS as DEFAULT_QUESTIONS
from studyhub.quizzes.services.daily.setup import DEFAULT_TITLE as DEFAULT_TITLE
from studyhub.quizzes.services.daily.setup import MAX_QUESTIONS as MAX_QUESTIONS
from studyhub.quizzes.services.daily.setup import POINTS_PER_ITEM as POINTS_PER_ITEM
from studyhub.quizzes.services.daily.setup import RECENT_DAYS as RECENT_DAYS
from studyhub.quizzes.services.daily.setup import STREAK_WINDOW_DAYS as STREAK_WINDOW_DAYS
from studyhub.quizzes.services.daily.setup import DailySettings as DailySettings
from studyhub.quizzes.services.daily.setup import chosen_bank_ids as chosen_bank_ids
from studyhub.quizzes.services.daily.setup import configure_daily as configure_daily
from studyhub.quizzes.services.daily.setup import daily_quiz_of as daily_quiz_of
from studyhub.quizzes.services.daily.setup import default_settings as default_settings
from studyhub.quizzes.services.daily.setup import ensure_daily_quiz as ensure_daily_quiz
from studyhub.quizzes.services.daily.setup import settings_of as settings_of
from studyhub.quizzes.services.daily.setup import today_of as today_of
from studyhub.quizzes.services.daily.taking import Answered as Answered
from studyhub.quizzes.services.daily.taking import answer_daily as answer_daily
from studyhub.quizzes.services.daily.taking import count_streak as count_streak
from studyhub.quizzes.services.daily.taking import draw_daily as draw_daily
from studyhub.quizzes.services.daily.taking import recently_seen as recently_seen
from studyhub.quizzes.services.daily.taking import start_daily as start_daily
from studyhub.quizzes.services.daily.taking import streak as streak
from studyhub.quizzes.services.daily.taking import todays_attempt as todays_attempt
