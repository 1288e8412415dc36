"""Loaders for the quizzes pages: the URL's object for this request's user.

Each loads the object (NotFound, a 404, when there is none or the page does not serve it)
and checks the user's access to it (NotAllowed, a 403; NotFound where saying that it
exists would tell someone outside what they may not know), so a view starts with one line.
Staff pages go through the committee the object belongs to (``org.access``); members'
pages through :func:`~studyhub.quizzes.services.quizzes.taker_for`. The attempt page and
the answer save keep their own one-statement loads (``services.sheets``, ``attempts``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from studyhub.core.errors import NotFound
from studyhub.extensions import db
from studyhub.org import access as org_access
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.quizzes import queries
from studyhub.quizzes.models import Attempt, Bank, Category, Question, Quiz, QuizMode
from studyhub.quizzes.services import marking
from studyhub.quizzes.services.quizzes import ancestor_ids, taker_for


def _quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFound(_l("This quiz does not exist."))
    return quiz


def _unit(unit_id: int, *kinds: UnitKind) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or (kinds and unit.kind not in kinds):
        raise NotFound(_l("No such unit."))
    return unit


def given_to(quiz: Quiz, unit: OrgUnit) -> bool:
    """Whether ``quiz`` is assigned to ``unit`` or a unit above it."""
    return bool(db.session.scalar(queries.is_assigned(quiz.id, ancestor_ids(unit.path))))


# Staff ---------------------------------------------------------------------------------------


def load_managed_quiz(quiz_id: int) -> tuple[Quiz, OrgUnit]:
    """A quiz of a committee the user manages, with that committee."""
    quiz = _quiz(quiz_id)
    return quiz, org_access.load_managed_committee(quiz.committee_id)


def load_bank(bank_id: int) -> tuple[Bank, OrgUnit]:
    """A question bank of a committee the user manages, with that committee."""
    bank = db.session.get(Bank, bank_id)
    if bank is None:
        raise NotFound(_l("This question bank does not exist."))
    return bank, org_access.load_managed_committee(bank.committee_id)


def load_category(category_id: int) -> tuple[Category, Bank, OrgUnit]:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_l("This category is not in the bank."))
    return category, *load_bank(category.bank_id)


def load_question(question_id: int) -> tuple[Question, Bank, OrgUnit]:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_l("Question %(id)d does not exist.", id=question_id))
    return question, *load_bank(question.bank_id)


def load_quiz_to_mark(quiz_id: int) -> tuple[Quiz, list[str]]:
    """A quiz (not the daily one) with the paths of the members whose essays the user marks;
    someone who marks none of them gets a 404."""
    quiz = _quiz(quiz_id)
    if quiz.mode == QuizMode.DAILY:
        raise NotFound(_l("This quiz does not exist."))
    committee = _unit(quiz.committee_id)
    paths = marking.marker_paths(org_access.grants(), quiz, committee)
    if not paths:
        raise NotFound(_l("This quiz does not exist."))
    return quiz, paths


# Those who see a unit ------------------------------------------------------------------------


def load_quiz_unit(quiz_id: int, unit_id: int, *kinds: UnitKind) -> tuple[Quiz, OrgUnit, bool]:
    """A quiz (not the daily one) and a unit of its committee (of ``kinds`` when given),
    with whether the user manages the committee. Staff reach every unit; whoever sees the
    unit (its secretary, a group leader) reaches it once the quiz is published and given
    to it; anyone else gets a 403 for the unit, a 404 for a quiz not given to it."""
    quiz = _quiz(quiz_id)
    unit = _unit(unit_id, *kinds)
    if unit.committee_id != quiz.committee_id or quiz.mode == QuizMode.DAILY:
        raise NotFound(_l("No such unit."))
    me = org_access.grants()
    if org_access.can_manage_unit(me, _unit(quiz.committee_id)):
        return quiz, unit, True
    org_access.require_view_unit(me, unit)
    if quiz.published_at is None or not given_to(quiz, unit):
        raise NotFound(_l("This quiz does not exist."))
    return quiz, unit, False


# Members -------------------------------------------------------------------------------------


def load_quiz_to_take(quiz_id: int) -> tuple[Quiz, Member]:
    """A published quiz given to the user's unit, with their membership (404 outside the
    committee or before it is published, 403 for a unit it is not given to)."""
    quiz = _quiz(quiz_id)
    return quiz, taker_for(db.session, quiz, user_id=current_user.id)


def load_own_attempt(attempt_id: int) -> Attempt:
    """The URL's attempt, when it is the current user's; anyone else's is a 404."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        raise NotFound(_l("This quiz does not exist."))
    return attempt
