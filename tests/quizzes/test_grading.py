"""Grading is pure: every type, partial credit, fill-in normalisation, response shapes."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from studyhub.core.errors import InvalidInput
from studyhub.quizzes.models import QuestionType
from studyhub.quizzes.services import grading
from studyhub.quizzes.services.grading import clean_response, grade, normalise

SINGLE, MULTIPLE, TRUEFALSE, FILLIN = (
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.TRUEFALSE,
    QuestionType.FILLIN,
)
KEYS = ["A", "B", "C", "D", "E"]


@pytest.mark.parametrize(
    ("response", "fraction"), [("B", 1), ("A", 0), (None, 0), (["B"], 0), (True, 0)]
)
def test_single_choice_is_all_or_nothing(response, fraction):
    assert grade(SINGLE, "B", response, keys=KEYS).fraction == fraction


@pytest.mark.parametrize(
    ("response", "fraction"), [(True, 1), (False, 0), (None, 0), ("true", 0), (1, 0)]
)
def test_truefalse_compares_booleans_only(response, fraction):
    assert grade(TRUEFALSE, True, response).fraction == fraction
    assert grade(TRUEFALSE, False, False).is_correct


@pytest.mark.parametrize(
    ("response", "fraction"),
    [
        (["A", "C"], 1),
        (["C", "A"], 1),
        (["A"], 0),
        (["A", "C", "D"], 0),
        ([], 0),
        (None, 0),
    ],
)
def test_multiple_choice_is_all_or_nothing_by_default(response, fraction):
    assert grade(MULTIPLE, ["A", "C"], response, keys=KEYS).fraction == fraction


@pytest.mark.parametrize(
    ("response", "fraction"),
    [
        # Right A, C (each +1/2); wrong B, D, E (each −1/3); never below 0.
        (["A", "C"], Fraction(1)),
        (["A"], Fraction(1, 2)),
        (["A", "B"], Fraction(1, 2) - Fraction(1, 3)),
        (["A", "C", "D"], Fraction(1) - Fraction(1, 3)),
        (["B", "D"], Fraction(0)),
        (["A", "B", "D", "E"], Fraction(0)),
        (["A", "B", "C", "D", "E"], Fraction(0)),
        (None, Fraction(0)),
    ],
)
def test_multiple_choice_partial_credit_is_moodles(response, fraction):
    mark = grade(MULTIPLE, ["A", "C"], response, keys=KEYS, partial_credit=True)
    assert mark.fraction == fraction
    assert mark.is_correct is (fraction == 1)


def test_partial_credit_when_every_option_is_right():
    mark = grade(MULTIPLE, ["A", "B"], ["A"], keys=["A", "B"], partial_credit=True)
    assert mark.fraction == Fraction(1, 2)


def test_scores_are_points_times_fraction_rounded_to_four_places():
    mark = grade(MULTIPLE, ["A", "C"], ["A", "B"], keys=KEYS, partial_credit=True)  # 1/6
    assert mark.score(Decimal("2")) == Decimal("0.3333")
    assert mark.score(Decimal("5")) == Decimal("0.8333")
    assert grading.RIGHT.score(Decimal("2.5")) == Decimal("2.5000")
    assert grading.WRONG.score(Decimal("3")) == Decimal("0.0000")


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("ＡＢＣ", "abc"),  # full-width letters
        ("  abc ", "ABC"),  # surrounding spaces, case
        ("１９２１", "1921"),  # full-width digits
        ("中国　共产党", "中国 共产党"),  # the ideographic space
        ("Marx  Engels", "marx engels"),  # runs of spaces
        ("ﬁve", "five"),  # a ligature (NFKC)
        ("STRASSE", "straße"),  # case folding, not lowering
    ],
)
def test_fillin_normalisation_matches(typed, accepted):
    assert normalise(typed) == normalise(accepted)
    assert grade(FILLIN, [[accepted]], [typed]).is_correct


@pytest.mark.parametrize(("typed", "accepted"), [("ab c", "abc"), ("", ""), ("   ", " ")])
def test_fillin_normalisation_does_not_overreach(typed, accepted):
    assert not grade(FILLIN, [[accepted]], [typed]).is_correct


def test_fillin_each_blank_an_equal_share_with_several_accepted_answers():
    answer = [["中国共产党", "中共"], ["人民"], ["社会主义"]]
    assert grade(FILLIN, answer, ["中共", "人民", "社会主义"]).fraction == 1
    assert grade(FILLIN, answer, ["中国共产党", "群众", "社会主义"]).fraction == Fraction(2, 3)
    assert grade(FILLIN, answer, ["中共", "", ""]).fraction == Fraction(1, 3)
    assert grade(FILLIN, answer, ["中共"]).fraction == Fraction(1, 3)  # fewer blanks sent
    assert grade(FILLIN, answer, None).fraction == 0
    # A right text in the wrong blank does not count.
    assert grade(FILLIN, answer, ["人民", "中共", "社会主义"]).fraction == Fraction(1, 3)


def test_percent_of():
    assert grading.percent_of(Decimal("2.5"), Decimal("4")) == Decimal("62.50")
    assert grading.percent_of(Decimal("1"), Decimal("3")) == Decimal("33.33")
    assert grading.percent_of(Decimal("0"), Decimal("0")) == Decimal("0.00")


# Response shapes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "raw", "cleaned"),
    [
        (SINGLE, "B", "B"),
        (SINGLE, ["B"], "B"),
        (SINGLE, "", None),
        (SINGLE, None, None),
        (MULTIPLE, ["C", "A", "C"], ["A", "C"]),
        (MULTIPLE, "D", ["D"]),
        (MULTIPLE, [], None),
        (TRUEFALSE, "true", True),
        (TRUEFALSE, "false", False),
        (TRUEFALSE, False, False),
        (TRUEFALSE, "", None),
        (FILLIN, [" 工人阶级 ", ""], ["工人阶级", ""]),
        (FILLIN, "工人阶级", ["工人阶级", ""]),
        (FILLIN, ["", " "], None),
    ],
)
def test_clean_response_gives_the_stored_shape(qtype, raw, cleaned):
    assert clean_response(qtype, raw, keys=["A", "B", "C", "D"], blanks=2) == cleaned


@pytest.mark.parametrize(
    ("qtype", "raw"),
    [
        (SINGLE, "Z"),
        (SINGLE, ["A", "B"]),
        (SINGLE, 1),
        (MULTIPLE, ["A", "Z"]),
        (MULTIPLE, [1]),
        (TRUEFALSE, "yes"),
        (TRUEFALSE, ["true", "false"]),
        (FILLIN, ["a", "b", "c"]),
        (FILLIN, [1]),
        (FILLIN, ["x" * (grading.BLANK_MAX + 1)]),
        (FILLIN, {"a": 1}),
    ],
)
def test_clean_response_refuses_what_does_not_fit(qtype, raw):
    with pytest.raises(InvalidInput):
        clean_response(qtype, raw, keys=["A", "B", "C", "D"], blanks=2)
