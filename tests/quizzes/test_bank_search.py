"""Searching and filtering a bank's questions, and paging through them."""

from __future__ import annotations

import pytest

from studyhub.quizzes import queries
from studyhub.quizzes.models import QuestionType
from studyhub.quizzes.queries import QuestionFilter
from studyhub.quizzes.services import bank as bank_service
from studyhub.web.pagination import paginate
from tests.conftest import NOW
from tests.quizzes.bank_helpers import Org, add, fillin, multiple, single, truefalse


@pytest.fixture
def questions(session, bank):
    history = bank_service.ensure_category(session, bank, "党史")
    zunyi = bank_service.ensure_category(session, bank, "党史/遵义会议")
    rules = bank_service.ensure_category(session, bank, "党章")
    made = {
        "zunyi": add(session, bank, single(category_id=zunyi.id, tags=["党史"], difficulty=2)),
        "march": add(
            session,
            bank,
            truefalse("红军长征于1936年10月胜利结束。", category_id=history.id, difficulty=3),
        ),
        "rules": add(
            session,
            bank,
            multiple(category_id=rules.id, tags=["党章", "四个意识"], title="四个意识"),
        ),
        "amp": add(session, bank, fillin("“两学一做” & ____教育", answer=[["学习"]])),
    }
    bank_service.set_retired(session, made["march"], is_retired=True, now=NOW)
    return made, {"history": history, "zunyi": zunyi, "rules": rules}


def found(session, bank, **kwargs) -> set[int]:
    stmt = queries.bank_questions(bank.id, QuestionFilter(**kwargs))
    return {q.id for q in session.scalars(stmt).unique()}


def test_text_search_finds_chinese_substrings_titles_and_escaped_characters(
    session, bank, questions
):
    made, _categories = questions
    ids = {name: q.id for name, q in made.items()}
    assert found(session, bank, text="哪一年") == {ids["zunyi"]}
    assert found(session, bank, text="四个意识") == {ids["rules"]}  # the title
    assert found(session, bank, text="” & __") == {ids["amp"]}  # stored as &amp;
    assert found(session, bank, text="100%") == set()  # % is not a wildcard
    assert found(session, bank, text="长征", is_retired=None) == {ids["march"]}
    assert found(session, bank, text="长征") == set()  # retired ones are hidden by default


def test_filters_by_category_subtree_type_tag_difficulty_and_status(session, bank, questions):
    made, categories = questions
    ids = {name: q.id for name, q in made.items()}
    history = categories["history"].path
    assert found(session, bank, category_path=history, is_retired=None) == {
        ids["zunyi"],
        ids["march"],
    }
    assert found(session, bank, category_path=categories["zunyi"].path) == {ids["zunyi"]}
    assert found(session, bank, qtype=QuestionType.MULTIPLE) == {ids["rules"]}
    assert found(session, bank, tag="党史") == {ids["zunyi"]}
    assert found(session, bank, tag="四个意识", qtype=QuestionType.SINGLE) == set()
    assert found(session, bank, difficulty=2) == {ids["zunyi"]}
    assert found(session, bank, is_retired=True) == {ids["march"]}
    assert found(session, bank, is_retired=None) == set(ids.values())
    tags = session.execute(queries.bank_tags(bank.id)).all()
    assert [tuple(row) for row in tags] == [("党史", 1), ("党章", 1), ("四个意识", 1)]


def test_another_banks_questions_never_show(session, org: Org, bank, questions):
    other = bank_service.create_bank(session, org.other_committee, name="别的题库", now=NOW)
    add(session, other, single())  # the same question is fine in another bank
    assert found(session, other, text="哪一年") != found(session, bank, text="哪一年")
    assert len(found(session, other, is_retired=None)) == 1


def test_the_list_is_paged_newest_first(session, bank, count_queries):
    made = [add(session, bank, truefalse(f"第{n}题的陈述。")) for n in range(25)]
    stmt = queries.bank_questions(bank.id, QuestionFilter())
    with count_queries() as statements:
        page = paginate(session, stmt, 2, per_page=10)
        stems = [q.current_version.stem_html for q in page.items]
    assert len(statements) == 2  # the count and the page, versions joined in
    assert page.total == 25 and page.pages == 3
    assert [q.id for q in page.items] == [q.id for q in reversed(made)][10:20]
    assert stems[0] == "<p>第14题的陈述。</p>"
