"""Bank services: banks, categories, questions by type, duplicates, versions, retiring, tags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.core.errors import Conflict, InvalidInput
from studyhub.quizzes.models import Category, Question, QuestionTag, QuestionType
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import content
from tests.conftest import NOW
from tests.quizzes.bank_helpers import (
    Org,
    add,
    fillin,
    multiple,
    single,
    truefalse,
    use_in_attempt,
    versions_of,
)

LATER = NOW + timedelta(hours=1)

pytestmark = pytest.mark.usefixtures("english_messages")


# Banks --------------------------------------------------------------------------------------


def test_banks_are_unique_per_committee_and_belong_to_committees(session, org: Org, bank):
    with pytest.raises(Conflict):
        bank_service.create_bank(session, org.committee, name=" 党史题库 ", now=NOW)
    other = bank_service.create_bank(session, org.other_committee, name="党史题库", now=NOW)
    assert other.committee_id == org.other_committee.id
    with pytest.raises(InvalidInput):
        bank_service.create_bank(session, org.branch, name="支部题库", now=NOW)
    found, created = bank_service.bank_by_name(session, org.committee, "党史题库", now=NOW)
    assert (found.id, created) == (bank.id, False)
    made, created = bank_service.bank_by_name(
        session, org.committee, "党章题库", create=True, now=NOW
    )
    assert created and made.name == "党章题库" and made.committee_id == org.committee.id


# Categories ---------------------------------------------------------------------------------


def test_a_category_path_creates_its_parents_once(session, bank):
    leaf = bank_service.ensure_category(session, bank, "党史 / 新民主主义革命时期")
    parent = session.get(Category, leaf.parent_id)
    assert parent.name == "党史" and parent.parent_id is None
    assert parent.path == f"/{parent.id}/" and leaf.path == f"/{parent.id}/{leaf.id}/"
    again = bank_service.ensure_category(session, bank, ["党史", "新民主主义革命时期"])
    assert again.id == leaf.id
    assert bank_service.category_names(session, leaf) == ["党史", "新民主主义革命时期"]
    assert bank_service.ensure_category(session, bank, "") is None
    with pytest.raises(Conflict):
        bank_service.create_category(session, bank, name="党史")
    with pytest.raises(InvalidInput):
        bank_service.create_category(session, bank, name="a/b")


def test_rename_and_move_carry_the_subtree(session, bank):
    history = bank_service.ensure_category(session, bank, "党史")
    period = bank_service.ensure_category(session, bank, "党史/新民主主义革命时期")
    event = bank_service.ensure_category(session, bank, "党史/新民主主义革命时期/遵义会议")
    rules = bank_service.ensure_category(session, bank, "党章")
    bank_service.ensure_category(session, bank, "党章/新民主主义革命时期")

    with pytest.raises(Conflict):  # 党章 holds a category of that name already
        bank_service.move_category(session, period, parent=rules)
    with pytest.raises(Conflict):
        bank_service.rename_category(session, rules, name="党史")
    bank_service.rename_category(session, period, name="革命时期")
    assert period.name == "革命时期"
    bank_service.move_category(session, period, parent=rules)
    period, event = session.get(Category, period.id), session.get(Category, event.id)
    assert period.parent_id == rules.id
    assert period.path == f"/{rules.id}/{period.id}/"
    assert event.path == f"/{rules.id}/{period.id}/{event.id}/"
    with pytest.raises(InvalidInput):
        bank_service.move_category(session, rules, parent=event)
    bank_service.move_category(session, period, parent=None)
    assert session.get(Category, event.id).path == f"/{period.id}/{event.id}/"
    assert session.get(Category, history.id).path == f"/{history.id}/"


def test_category_tree_counts_live_questions_of_the_subtree(session, bank):
    period = bank_service.ensure_category(session, bank, "党史/新民主主义革命时期")
    add(session, bank, single(category_id=period.id))
    retired = add(session, bank, truefalse(category_id=period.id))
    bank_service.set_retired(session, retired, is_retired=True, now=NOW)
    add(session, bank, fillin(category_id=period.parent_id))
    bank_service.ensure_category(session, bank, "党章")
    tree = bank_service.category_tree(session, bank)
    assert [(n.label, n.depth, n.count) for n in tree] == [
        ("党史", 0, 2),
        ("党史/新民主主义革命时期", 1, 1),
        ("党章", 0, 0),
    ]


# Questions by type --------------------------------------------------------------------------


def test_a_single_choice_is_stored_as_sanitised_html_with_its_first_version(
    session, org: Org, bank
):
    question = add(
        session,
        bank,
        single(
            "**遵义会议**<script>alert(1)</script>是哪一年召开的？",
            options=["1934年", "*1935*年", "1936年"],
            explanation="见《中国共产党简史》。",
            title="遵义会议",
            difficulty=2,
            tags=["党史", "遵义会议", "党史"],
        ),
        user_id=org.staff.user_id,
    )
    version = question.current_version
    assert question.qtype == QuestionType.SINGLE and question.title == "遵义会议"
    assert version.number == 1 and version.created_by_id == org.staff.user_id
    assert version.stem_html == "<p><strong>遵义会议</strong>是哪一年召开的？</p>"
    assert version.options == [
        {"key": "A", "html": "1934年"},
        {"key": "B", "html": "<em>1935</em>年"},
        {"key": "C", "html": "1936年"},
    ]
    assert version.answer == "B"
    assert version.explanation_html == "<p>见《中国共产党简史》。</p>"
    assert bank_service.tags_of(session, [question.id]) == {question.id: ["党史", "遵义会议"]}
    assert len(question.fingerprint) == 64


def test_html_is_kept_when_written_as_html(session, bank):
    question = add(
        session,
        bank,
        truefalse(
            '<p onclick="x()">党员<img src="/quizzes/media/1/a.png" alt="图">有权</p>',
            text_format="html",
        ),
    )
    assert question.current_version.stem_html == (
        '<p>党员<img src="/quizzes/media/1/a.png" alt="图">有权</p>'
    )
    assert question.current_version.options == []
    assert question.current_version.answer is True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (single(options=["只有一个"], answer="A"), "at least two options"),
        (single(answer=""), "Choose the one right option"),
        (single(answer="D"), "Choose the one right option"),
        (single(options=["甲", "", "丙"], answer="A"), "Option B is empty"),
        (single(options=[str(i) for i in range(9)], answer="A"), "at most eight options"),
        (single(stem="  "), "The question text is empty"),
        (multiple(answer=[]), "at least one right option"),
        (multiple(answer=["A", "E"]), "does not exist"),
        (multiple(options=["甲"], answer=["A"]), "at least two options"),
        (truefalse(answer=None), "true or false"),
        (fillin(answer=[["工人阶级"], ["无产阶级"]]), "has 1 blanks but 2 answers"),
        (fillin(stem="____和（ ）", answer=[["一"]]), "has 2 blanks but 1 answers"),
        (fillin(answer=[]), "accepted answers of each blank"),
        (fillin(answer=[["  "]]), "Blank 1 has no accepted answer"),
    ],
)
def test_each_type_is_checked(session, bank, fields, message):
    with pytest.raises(InvalidInput, match=message):
        add(session, bank, fields)
    assert session.scalar(select(Question.id).where(Question.bank_id == bank.id)) is None


def test_multiple_choice_and_fill_in_answers_are_normalised(session, bank):
    many = add(session, bank, multiple(answer=["c", "A", "A"]))
    assert many.current_version.answer == ["A", "C"]
    blanks = add(
        session,
        bank,
        fillin(
            stem="（ ）是党的根本组织原则，____是党的最高理想。",
            answer=[[" 民主集中制 "], ["共产主义", "实现共产主义", ""]],
        ),
    )
    assert blanks.current_version.answer == [["民主集中制"], ["共产主义", "实现共产主义"]]
    unmarked = add(session, bank, fillin(stem="最好的动物是什么？", answer=[["Frog"]]))
    assert unmarked.current_version.answer == [["Frog"]]
    assert content.count_blanks("a ___ b （　） c ( ) d") == 3


def test_the_same_question_twice_is_refused_even_with_other_spacing(session, bank):
    add(session, bank, single())
    with pytest.raises(Conflict, match="holds this question already"):
        add(session, bank, single(stem="遵义会议是哪一年召开的？  ", title="另一标题"))
    add(session, bank, multiple(stem="遵义会议是哪一年召开的？", answer=["B"]))  # another type


def test_category_difficulty_and_tags_are_checked(session, org: Org, bank):
    other_bank = bank_service.create_bank(session, org.committee, name="党章题库", now=NOW)
    elsewhere = bank_service.ensure_category(session, other_bank, "党章")
    with pytest.raises(InvalidInput, match="category of this bank"):
        add(session, bank, single(category_id=elsewhere.id))
    with pytest.raises(InvalidInput, match="Difficulty"):
        add(session, bank, single(difficulty=6))
    with pytest.raises(InvalidInput, match="too long"):
        add(session, bank, single(tags=["长" * 31]))
    assert bank_service.split_tags("党史，遵义会议、 党章;;") == ["党史", "遵义会议", "党章"]


# Versions -----------------------------------------------------------------------------------


def test_an_edit_before_any_attempt_changes_the_version_in_place(session, org: Org, bank):
    question = add(session, bank, single())
    first = question.current_version_id
    saved = bank_service.update_question(
        session,
        question,
        single(stem="遵义会议召开于哪一年？", tags=["党史"], difficulty=3),
        by_user_id=org.staff.user_id,
        now=LATER,
    )
    assert saved.id == first and saved.number == 1
    assert saved.stem_html == "<p>遵义会议召开于哪一年？</p>"
    assert [v.number for v in versions_of(session, question)] == [1]
    assert question.difficulty == 3 and question.updated_at == LATER
    assert question.fingerprint == bank_service.content_of(session, question).fingerprint()


def test_an_edit_after_an_attempt_adds_a_version_and_the_attempt_keeps_its_own(
    session, org: Org, bank
):
    question = add(session, bank, single())
    item = use_in_attempt(session, bank, question, org.member.user_id)
    old_fingerprint = question.fingerprint
    saved = bank_service.update_question(
        session, question, single(answer="A"), by_user_id=org.staff.user_id, now=LATER
    )
    assert saved.number == 2 and question.current_version_id == saved.id
    assert saved.answer == "A" and saved.created_by_id == org.staff.user_id
    old, new = versions_of(session, question)
    assert (old.id, old.answer, new.id) == (item.version_id, "B", saved.id)
    session.refresh(item)
    assert item.version.answer == "B"
    assert question.fingerprint != old_fingerprint

    # title, tags, difficulty and category are the question's: no new version for them
    again = bank_service.update_question(
        session,
        question,
        single(answer="A", title="遵义会议", tags=["党史"]),
        by_user_id=None,
        now=LATER,
    )
    assert again.id == saved.id and len(versions_of(session, question)) == 2
    assert question.title == "遵义会议"
    assert session.scalars(
        select(QuestionTag.name).where(QuestionTag.question_id == question.id)
    ).all() == ["党史"]


def test_a_used_question_keeps_its_type_and_edits_cannot_duplicate(session, org: Org, bank):
    question = add(session, bank, single())
    add(session, bank, single(stem="长征从哪一年开始？"))
    with pytest.raises(Conflict):
        bank_service.update_question(
            session, question, single(stem="长征从哪一年开始？"), by_user_id=None, now=LATER
        )
    use_in_attempt(session, bank, question, org.member.user_id)
    with pytest.raises(InvalidInput, match="type cannot change"):
        bank_service.update_question(
            session, question, multiple(stem="遵义会议", answer=["B"]), by_user_id=None, now=LATER
        )
    assert len(versions_of(session, question)) == 1


def test_retire_and_bring_back(session, bank):
    question = add(session, bank, truefalse())
    bank_service.set_retired(session, question, is_retired=True, now=LATER)
    assert question.is_retired and question.updated_at == LATER
    bank_service.set_retired(session, question, is_retired=False, now=LATER)
    assert not question.is_retired
