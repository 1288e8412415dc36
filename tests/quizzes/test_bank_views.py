"""Bank pages: what staff see and do; members, secretaries and other committees are kept out."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from studyhub.org.models import OrgUnit
from studyhub.quizzes.models import Bank, Category, Question, QuestionType, QuestionVersion
from studyhub.quizzes.services import bank as bank_service
from tests.conftest import NOW
from tests.quizzes.bank_helpers import (
    Org,
    add,
    count_questions,
    fillin,
    multiple,
    single,
    truefalse,
    use_in_attempt,
    versions_of,
)


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, the language of the msgids these tests look for."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def staff(org: Org, login, client):
    return login(org.staff.user)


# Access -------------------------------------------------------------------------------------


def page_urls(bank: Bank, question: Question, category: Category) -> list[tuple[str, str]]:
    return [
        ("get", f"/quizzes/committees/{bank.committee_id}/banks"),
        ("get", f"/quizzes/banks/{bank.id}"),
        ("get", f"/quizzes/banks/{bank.id}/categories"),
        ("get", f"/quizzes/banks/{bank.id}/questions/new"),
        ("get", f"/quizzes/questions/{question.id}"),
        ("get", f"/quizzes/questions/{question.id}/edit"),
        ("get", f"/quizzes/banks/{bank.id}/import"),
        ("get", f"/quizzes/banks/{bank.id}/export"),
        ("post", f"/quizzes/questions/{question.id}/retire"),
        ("post", f"/quizzes/categories/{category.id}/rename"),
        ("post", f"/quizzes/banks/{bank.id}/edit"),
    ]


@pytest.mark.parametrize("who", ["member", "secretary", "other_staff"])
def test_only_staff_of_the_committee_may_open_bank_pages(
    session, org: Org, bank, login, client, who
):
    question = add(session, bank, single())
    category = bank_service.ensure_category(session, bank, "党史")
    login(getattr(org, who).user)
    for method, url in page_urls(bank, question, category):
        response = getattr(client, method)(url, data={"name": "改名"})
        assert response.status_code == 403, (who, url)
    assert client.get("/quizzes/import-template").status_code == (
        200 if who == "other_staff" else 403
    )
    assert not session.get(Question, question.id).is_retired
    assert session.get(Category, category.id).name == "党史"


def test_a_branch_id_is_not_a_committee(session, org: Org, staff):
    assert staff.get(f"/quizzes/committees/{org.branch.id}/banks").status_code == 404
    assert staff.get("/quizzes/banks/999999").status_code == 404


# Banks --------------------------------------------------------------------------------------


def test_staff_start_at_their_committees_banks_and_create_one(session, org: Org, staff):
    response = staff.get("/quizzes/banks/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/quizzes/committees/{org.committee.id}/banks")
    response = staff.post(
        f"/quizzes/committees/{org.committee.id}/banks",
        data={"name": "党章题库", "description": "党章知识"},
    )
    bank = session.scalars(select(Bank).where(Bank.name == "党章题库")).one()
    assert response.headers["Location"].endswith(f"/quizzes/banks/{bank.id}")
    assert bank.committee_id == org.committee.id and bank.description == "党章知识"
    again = staff.post(f"/quizzes/committees/{org.committee.id}/banks", data={"name": "党章题库"})
    assert again.status_code == 200
    assert "A bank called 党章题库 exists already." in text_of(again)
    listing = text_of(staff.get(f"/quizzes/committees/{org.committee.id}/banks"))
    assert "党章题库" in listing and "0 questions in use" in listing


def test_the_bank_page_lists_searches_and_filters(session, bank, staff):
    history = bank_service.ensure_category(session, bank, "党史/遵义会议")
    add(session, bank, single(category_id=history.id, tags=["党史"]))
    add(session, bank, truefalse("红军长征胜利结束。"))
    add(session, bank, multiple(title="四个意识"))
    page = text_of(staff.get(f"/quizzes/banks/{bank.id}"))
    assert page.count('class="question-link"') == 3
    assert "遵义会议是哪一年召开的？" in page and "四个意识" in page
    assert "党史/遵义会议" in page  # the category of the first question, and the tree
    found = text_of(staff.get(f"/quizzes/banks/{bank.id}?q=长征"))
    assert found.count('class="question-link"') == 1 and "红军长征胜利结束。" in found
    by_type = text_of(staff.get(f"/quizzes/banks/{bank.id}?qtype=multiple"))
    assert by_type.count('class="question-link"') == 1 and "四个意识" in by_type
    parent = session.get(Category, history.parent_id)
    by_category = text_of(staff.get(f"/quizzes/banks/{bank.id}?category={parent.id}"))
    assert by_category.count('class="question-link"') == 1
    by_tag = text_of(staff.get(f"/quizzes/banks/{bank.id}?tag=党史"))
    assert by_tag.count('class="question-link"') == 1


def test_rename_a_bank(session, bank, staff):
    staff.post(f"/quizzes/banks/{bank.id}/edit", data={"name": "新名字", "description": "说明"})
    assert (bank.name, bank.description) == ("新名字", "说明")


# Questions ----------------------------------------------------------------------------------


def new_question(staff, bank: Bank, **data):
    values = {"qtype": "single", "text_format": "markdown", "category_id": "0", "difficulty": "0"}
    values.update(data)
    return staff.post(f"/quizzes/banks/{bank.id}/questions/new", data=values)


def test_staff_add_each_type_through_the_form(session, bank, staff):
    category = bank_service.ensure_category(session, bank, "党章")
    response = new_question(
        staff,
        bank,
        stem="中国共产党的最高理想是？",
        option_a="社会主义",
        option_b="共产主义",
        single_answer="B",
        multiple_answer=["A"],  # another type's answer is ignored
        explanation="见党章总纲。",
        category_id=str(category.id),
        difficulty="2",
        tags="党章、理想信念",
        title="最高理想",
    )
    question = session.scalars(select(Question).where(Question.bank_id == bank.id)).one()
    assert response.headers["Location"].endswith(f"/quizzes/questions/{question.id}")
    assert (question.qtype, question.title, question.difficulty) == (
        QuestionType.SINGLE,
        "最高理想",
        2,
    )
    assert question.category_id == category.id
    assert question.current_version.answer == "B"
    assert bank_service.tags_of(session, [question.id])[question.id] == ["党章", "理想信念"]

    new_question(
        staff,
        bank,
        qtype="multiple",
        stem="下列属于“四个意识”的有？",
        option_a="政治意识",
        option_b="大局意识",
        option_c="娱乐意识",
        multiple_answer=["A", "B"],
    )
    new_question(
        staff, bank, qtype="truefalse", stem="党员有权参加党的有关会议。", truefalse_answer="true"
    )
    new_question(
        staff,
        bank,
        qtype="fillin",
        stem="（ ）是党的根本组织原则，党的最高理想是____。",
        fillin_answer="民主集中制\n共产主义 | 实现共产主义\n",
    )
    answers = {
        q.qtype: v.answer
        for q, v in session.execute(
            select(Question, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.bank_id == bank.id)
        ).all()
    }
    assert answers == {
        QuestionType.SINGLE: "B",
        QuestionType.MULTIPLE: ["A", "B"],
        QuestionType.TRUEFALSE: True,
        QuestionType.FILLIN: [["民主集中制"], ["共产主义", "实现共产主义"]],
    }


def test_an_invalid_question_is_shown_again_with_the_reason(session, bank, staff):
    response = new_question(
        staff, bank, stem="遵义会议是哪一年召开的？", option_a="1935年", single_answer="A"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "A choice question needs at least two options." in page
    assert "遵义会议是哪一年召开的？" in page  # what was typed is kept
    gap = new_question(staff, bank, stem="问题", option_a="甲", option_c="丙", single_answer="A")
    assert "Option B is empty." in text_of(gap)
    assert count_questions(session, bank) == 0


def test_edit_shows_the_question_and_saves_in_place_or_as_a_new_version(
    session, org: Org, bank, staff
):
    question = add(session, bank, fillin(tags=["党章"]))
    form = text_of(staff.get(f"/quizzes/questions/{question.id}/edit"))
    assert "&lt;p&gt;中国共产党是中国____的先锋队。&lt;/p&gt;" in form  # the stored HTML
    assert re.search(r'<option selected value="html">|<option value="html" selected>', form)
    assert "工人阶级</textarea>" in form
    assert 'value="党章"' in form

    data = {
        "qtype": "fillin",
        "text_format": "html",
        "stem": "<p>中国共产党是中国____的先锋队。</p>",
        "fillin_answer": "工人阶级|无产阶级",
        "category_id": "0",
        "difficulty": "0",
    }
    staff.post(f"/quizzes/questions/{question.id}/edit", data=data)
    assert [v.number for v in versions_of(session, question)] == [1]
    assert question.current_version.answer == [["工人阶级", "无产阶级"]]

    use_in_attempt(session, bank, question, org.member.user_id)
    response = staff.post(
        f"/quizzes/questions/{question.id}/edit",
        data=data | {"fillin_answer": "工人阶级"},
        follow_redirects=True,
    )
    assert "Saved as version 2" in text_of(response)
    old, new = versions_of(session, question)
    assert old.answer == [["工人阶级", "无产阶级"]] and new.answer == [["工人阶级"]]


def test_preview_shows_what_a_member_sees_then_the_answer(session, bank, staff):
    question = add(
        session, bank, single(explanation="1935年1月，遵义。", tags=["党史"], difficulty=2)
    )
    page = text_of(staff.get(f"/quizzes/questions/{question.id}"))
    member_view = page.split('id="member-view"')[1].split('id="answer"')[0]
    assert "<p>遵义会议是哪一年召开的？</p>" in member_view
    assert member_view.count('type="radio"') == 3
    assert "1935年1月" not in member_view  # no explanation in the member's view
    answer = page.split('id="answer"')[1]
    assert "B" in answer.split("right-answer")[1][:40]
    assert "1935年1月，遵义。" in answer and "党史" in answer

    blanks = add(session, bank, fillin(stem="____和____", answer=[["一"], ["二"]]))
    page = text_of(staff.get(f"/quizzes/questions/{blanks.id}"))
    member_view = page.split('id="member-view"')[1].split('id="answer"')[0]
    assert member_view.count('type="text"') == 2 and "一" not in member_view


def test_retire_and_use_again(session, bank, staff):
    question = add(session, bank, truefalse())
    response = staff.post(f"/quizzes/questions/{question.id}/retire", follow_redirects=True)
    assert question.is_retired and "Retired" in text_of(response)
    listing = text_of(staff.get(f"/quizzes/banks/{bank.id}"))
    assert "党员有权参加党的有关会议" not in listing
    retired = text_of(staff.get(f"/quizzes/banks/{bank.id}?status=retired"))
    assert "党员有权参加党的有关会议" in retired
    staff.post(f"/quizzes/questions/{question.id}/unretire")
    assert not question.is_retired


# Categories ---------------------------------------------------------------------------------


def test_categories_are_created_by_path_renamed_and_moved(session, bank, staff):
    staff.post(f"/quizzes/banks/{bank.id}/categories", data={"path": "党史/遵义会议"})
    staff.post(f"/quizzes/banks/{bank.id}/categories", data={"path": "党章"})
    labels = [node.label for node in bank_service.category_tree(session, bank)]
    assert labels == ["党史", "党史/遵义会议", "党章"]
    tree = {node.label: node for node in bank_service.category_tree(session, bank)}
    page = text_of(staff.get(f"/quizzes/banks/{bank.id}/categories"))
    assert "遵义会议" in page and "党章" in page
    staff.post(f"/quizzes/categories/{tree['党史/遵义会议'].id}/rename", data={"name": "长征"})
    staff.post(
        f"/quizzes/categories/{tree['党史/遵义会议'].id}/move",
        data={"parent_id": str(tree["党章"].id)},
    )
    labels = [node.label for node in bank_service.category_tree(session, bank)]
    assert labels == ["党史", "党章", "党章/长征"]
    clash = staff.post(
        f"/quizzes/categories/{tree['党章'].id}/rename",
        data={"name": "党史"},
        follow_redirects=True,
    )
    assert "党史 exists already there." in text_of(clash)


# The XLSX template and export ---------------------------------------------------------------


def test_template_and_export_download(session, bank, staff):
    template = staff.get("/quizzes/import-template")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    assert template.mimetype.endswith("spreadsheetml.sheet")
    add(session, bank, single())
    export = staff.get(f"/quizzes/banks/{bank.id}/export")
    assert export.status_code == 200 and export.data.startswith(b"PK")
    assert "attachment" in export.headers["Content-Disposition"]
    committee = session.get(OrgUnit, bank.committee_id)
    other = bank_service.create_bank(session, committee, name="另一", now=NOW)
    category = bank_service.ensure_category(session, other, "党史")
    assert staff.get(f"/quizzes/banks/{bank.id}/export?category={category.id}").status_code == 404
