"""Reusable queries of the quizzes domain, one module per page or job they serve.

Each returns a ``Select`` scoped to a bank or a committee (or, on the hot paths, a
:class:`~studyhub.quizzes.queries.attempts.Bound` statement with its parameters);
every public name is also importable from here.
"""

from studyhub.quizzes.queries.attempts import (
    Bound as Bound,
)
from studyhub.quizzes.queries.attempts import (
    Grade as Grade,
)
from studyhub.quizzes.queries.attempts import (
    answer_update as answer_update,
)
from studyhub.quizzes.queries.attempts import (
    attempt_item as attempt_item,
)
from studyhub.quizzes.queries.attempts import (
    attempt_items as attempt_items,
)
from studyhub.quizzes.queries.attempts import (
    attempt_page as attempt_page,
)
from studyhub.quizzes.queries.attempts import (
    attempts_of as attempts_of,
)
from studyhub.quizzes.queries.attempts import (
    expired_attempts as expired_attempts,
)
from studyhub.quizzes.queries.attempts import (
    last_attempt_number as last_attempt_number,
)
from studyhub.quizzes.queries.attempts import (
    open_attempt as open_attempt,
)
from studyhub.quizzes.queries.attempts import (
    save_target as save_target,
)
from studyhub.quizzes.queries.attempts import (
    saved_answer as saved_answer,
)
from studyhub.quizzes.queries.attempts import (
    ungraded_count as ungraded_count,
)
from studyhub.quizzes.queries.attempts import (
    version_options as version_options,
)
from studyhub.quizzes.queries.attempts import (
    versions_to_show as versions_to_show,
)
from studyhub.quizzes.queries.bank import (
    QuestionFilter as QuestionFilter,
)
from studyhub.quizzes.queries.bank import (
    bank_questions as bank_questions,
)
from studyhub.quizzes.queries.bank import (
    bank_tags as bank_tags,
)
from studyhub.quizzes.queries.bank import (
    banks_of as banks_of,
)
from studyhub.quizzes.queries.bank import (
    categories_of as categories_of,
)
from studyhub.quizzes.queries.bank import (
    current_versions as current_versions,
)
from studyhub.quizzes.queries.bank import (
    export_rows as export_rows,
)
from studyhub.quizzes.queries.bank import (
    fingerprints_in as fingerprints_in,
)
from studyhub.quizzes.queries.bank import (
    media_by_name as media_by_name,
)
from studyhub.quizzes.queries.bank import (
    question_counts_by_category as question_counts_by_category,
)
from studyhub.quizzes.queries.daily import (
    daily_attempt as daily_attempt,
)
from studyhub.quizzes.queries.daily import (
    daily_done_days as daily_done_days,
)
from studyhub.quizzes.queries.daily import (
    daily_quiz as daily_quiz,
)
from studyhub.quizzes.queries.daily import (
    daily_seen as daily_seen,
)
from studyhub.quizzes.queries.daily import (
    daily_summary as daily_summary,
)
from studyhub.quizzes.queries.daily import (
    has_live_questions as has_live_questions,
)
from studyhub.quizzes.queries.daily import (
    member_committee as member_committee,
)
from studyhub.quizzes.queries.mistakes import (
    mistake_book as mistake_book,
)
from studyhub.quizzes.queries.mistakes import (
    mistake_card_with_version as mistake_card_with_version,
)
from studyhub.quizzes.queries.mistakes import (
    mistake_cards_of as mistake_cards_of,
)
from studyhub.quizzes.queries.mistakes import (
    mistake_counts as mistake_counts,
)
from studyhub.quizzes.queries.mistakes import (
    mistake_due_count as mistake_due_count,
)
from studyhub.quizzes.queries.mistakes import (
    mistakes_due as mistakes_due,
)
from studyhub.quizzes.queries.quizzes import (
    assigned_quizzes as assigned_quizzes,
)
from studyhub.quizzes.queries.quizzes import (
    assignments_of as assignments_of,
)
from studyhub.quizzes.queries.quizzes import (
    draw_pool as draw_pool,
)
from studyhub.quizzes.queries.quizzes import (
    final_grades as final_grades,
)
from studyhub.quizzes.queries.quizzes import (
    is_assigned as is_assigned,
)
from studyhub.quizzes.queries.quizzes import (
    member_statuses as member_statuses,
)
from studyhub.quizzes.queries.quizzes import (
    open_quizzes_for_home as open_quizzes_for_home,
)
from studyhub.quizzes.queries.quizzes import (
    open_quizzes_of_user as open_quizzes_of_user,
)
from studyhub.quizzes.queries.quizzes import (
    quizzes_of as quizzes_of,
)
from studyhub.quizzes.queries.stats import (
    item_moments as item_moments,
)
from studyhub.quizzes.queries.stats import (
    item_sorted_products as item_sorted_products,
)
from studyhub.quizzes.queries.stats import (
    percent_sums as percent_sums,
)
from studyhub.quizzes.queries.stats import (
    percents_ordered as percents_ordered,
)
from studyhub.quizzes.queries.stats import (
    response_counts as response_counts,
)
