"""The quarterly score, pure: figures in, explained score, ranks and rating out. No database.

A committee's score has weighted dimensions (see :data:`DEFAULT_WEIGHTS`). For
each member, each dimension has a raw :class:`Figure`:

- ``reading``: readings studied ÷ readings required in the quarter (its
  readings of the day up to today, and the materials of the plans due in the
  quarter that target the member), studied by the end of the quarter;
- ``test``: the mean, over the quarter's plan tests that target the member, of
  the member's best percent in each (0 for a test not taken) — with one test,
  simply the best percent;
- ``daily_quiz``: days with a daily-quiz go ÷ days of the quarter up to today
  (participation, not correct answers: the daily quiz is about the habit, and
  its right answers already earn points);
- ``attendance``: meetings attended (present or late) ÷ meetings the member
  was expected at, from the meetings domain.

Each figure is normalised to 0–100 (a ratio × 100, a percent as it is, both
capped at 100) and weighted. A dimension without data does not count and its
weight goes to the others in proportion: for everyone when the committee has
no data for it this quarter (no meetings recorded yet, no daily quiz), or for
one member whose figure has nothing to divide by (no plan targets their
branch). Bonus/deduction entries (比贡献) add to the weighted sum, their net
capped at ± the committee's cap; the total never goes below 0. Ranks are
competition ranks by total, ties broken by who completed first (the later of
their last counted study and the first time they reached their best test
score; nobody-yet ranks last); the suggested rating comes from thresholds, and
staff may override it with a reason."""

from __future__ import annotations

from studyhub.reports.scoring.figures import ATTENDANCE as ATTENDANCE
from studyhub.reports.scoring.figures import CENT as CENT
from studyhub.reports.scoring.figures import CODES as CODES
from studyhub.reports.scoring.figures import DAILY_QUIZ as DAILY_QUIZ
from studyhub.reports.scoring.figures import DEFAULT_CAP as DEFAULT_CAP
from studyhub.reports.scoring.figures import DEFAULT_NAMES as DEFAULT_NAMES
from studyhub.reports.scoring.figures import DEFAULT_WEIGHTS as DEFAULT_WEIGHTS
from studyhub.reports.scoring.figures import HUNDRED as HUNDRED
from studyhub.reports.scoring.figures import NO_DATA as NO_DATA
from studyhub.reports.scoring.figures import NOT_REQUIRED as NOT_REQUIRED
from studyhub.reports.scoring.figures import RATING_NAMES as RATING_NAMES
from studyhub.reports.scoring.figures import READING as READING
from studyhub.reports.scoring.figures import TEST as TEST
from studyhub.reports.scoring.figures import ZERO as ZERO
from studyhub.reports.scoring.figures import Dimension as Dimension
from studyhub.reports.scoring.figures import Figure as Figure
from studyhub.reports.scoring.figures import Line as Line
from studyhub.reports.scoring.figures import Rating as Rating
from studyhub.reports.scoring.figures import Score as Score
from studyhub.reports.scoring.figures import Settings as Settings
from studyhub.reports.scoring.figures import Thresholds as Thresholds
from studyhub.reports.scoring.figures import cents as cents
from studyhub.reports.scoring.ranking import Standing as Standing
from studyhub.reports.scoring.ranking import final_rating as final_rating
from studyhub.reports.scoring.ranking import ranks as ranks
from studyhub.reports.scoring.weighing import completion_time as completion_time
from studyhub.reports.scoring.weighing import score as score
from studyhub.reports.scoring.weighing import total as total
