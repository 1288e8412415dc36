"""Essays: answered like other questions, waiting for marking, the marking queue, partial
marks, what the member sees, the statistics, and who may mark."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import InvalidInput
from studyhub.notify.models import Message
from studyhub.org.access import grants_for
from studyhub.org.models import Role
from studyhub.quizzes import queries
from studyhub.quizzes.models import AttemptItem, QuestionType, QuizMode, ReviewTiming
from studyhub.quizzes.services import attempts, marking, stats
from studyhub.quizzes.services import bank as banks
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import RIGHT, answer_all, later, make_quiz, position_of, start

pytestmark = pytest.mark.usefixtures("in_english")

ESSAY_TEXT = "坚持党的领导，\n坚持人民至上。"


def essay(session, world, *, rubric=True):
    return banks.create_question(
        session,
        world.bank,
        banks.QuestionFields(
            qtype=QuestionType.ESSAY,
            stem="简述新时代党的建设总要求。" + ("" if rubric else "（整体评分）"),
            answer=None,
            model_answer="坚持和加强党的全面领导……",
            rubric=[{"criterion": "要点一", "points": 2}, {"criterion": "要点二", "points": 2}]
            if rubric
            else [],
        ),
        by_user_id=None,
        now=NOW,
    )


def exam(session, world, **settings):
    question = essay(session, world)
    values = {
        "questions": [world.questions["single"], question],
        "points": Decimal(2),
        "review_score": ReviewTiming.IMMEDIATELY,
        "review_answers": ReviewTiming.IMMEDIATELY,
        "review_correctness": ReviewTiming.IMMEDIATELY,
        "review_explanations": ReviewTiming.IMMEDIATELY,
    }
    values.update(settings)
    return make_quiz(session, world, **values), question


def taken(session, world, quiz, question, member, text=ESSAY_TEXT):
    attempt = start(session, quiz, member)
    answer_all(session, world, attempt, {"single": RIGHT["single"]})
    attempts.save_answer(
        session,
        attempt,
        position=position_of(session, attempt, question),
        response=text,
        seq=1,
        now=NOW,
    )
    attempts.submit_attempt(session, attempt, now=later(60))
    session.refresh(attempt)
    return attempt


def paths_of(session, world, quiz, who):
    return marking.marker_paths(grants_for(session, who.user), quiz, world.committee)


def test_an_essay_is_saved_as_text_and_the_attempt_waits_for_marking(session, world):
    quiz, question = exam(session, world)
    attempt = taken(session, world, quiz, question, world.member)
    assert attempt.is_marking_pending and attempt.percent is None and attempt.is_passed is None
    assert attempt.score == 2 and attempt.max_score == 4  # the single choice so far
    shown, views = attempts.item_views(session, attempt, now=later(120))
    view = next(v for v in views if v.qtype == QuestionType.ESSAY)
    assert view.essay.text == ESSAY_TEXT and not view.essay.is_marked
    # A final grade waits too: statuses and grades leave the attempt out.
    assert attempts.final_grade(session, quiz, user_id=world.member.user_id) is None
    with pytest.raises(InvalidInput):
        attempts.save_answer(
            session,
            start(session, quiz, world.neighbour),
            position=2,
            response=["a", "b"],
            seq=1,
            now=NOW,
        )


def test_the_status_page_says_who_waits_for_marking(session, world):
    quiz, question = exam(session, world)
    taken(session, world, quiz, question, world.member)
    rows = {r.member_id: r for r in stats.unit_status(session, quiz, world.branch).rows}
    assert rows[world.member.id].waiting_for_marking == 1
    assert rows[world.neighbour.id].waiting_for_marking == 0


def test_the_queue_partial_marks_and_the_members_result(session, world):
    quiz, question = exam(session, world, pass_percent=80)
    first = taken(session, world, quiz, question, world.member)
    second = taken(session, world, quiz, question, world.neighbour)
    staff = world.staff.user_id
    paths = paths_of(session, world, quiz, world.staff)
    assert marking.queue_size(session, quiz, paths, marker_id=staff) == 2
    item_id = marking.next_item(session, quiz, paths, marker_id=staff)
    target = marking.load_target(session, quiz, item_id, paths, marker_id=staff)
    assert target.attempt.id == first.id and target.model_answer_html
    with pytest.raises(InvalidInput, match="要点一"):
        marking.mark(
            session, target, marks=["3", "1"], total=None, feedback="", marker_id=staff, now=NOW
        )
    marking.mark(
        session,
        target,
        marks=["2", "1"],
        total=None,
        feedback="要点二不完整。",
        marker_id=staff,
        now=later(300),
    )
    session.refresh(first)
    # 3 of the rubric's 4 points of a 2-point question: 1.5; with the single choice 3.5 of 4.
    assert target.item.score == Decimal("1.5") and not target.item.is_correct
    assert (first.score, first.percent, first.is_passed) == (Decimal("3.5"), 87.5, True)
    assert not first.is_marking_pending
    assert marking.queue_size(session, quiz, paths, marker_id=staff) == 1
    assert marking.next_item(session, quiz, paths, marker_id=staff, after=item_id) != item_id
    # The member sees the marks, the comment and the model answer (the policy shows them).
    _shown, views = attempts.item_views(session, first, now=later(400))
    view = next(v for v in views if v.qtype == QuestionType.ESSAY)
    assert view.essay.is_marked and view.essay.feedback == "要点二不完整。"
    assert [given for _c, _p, given in view.essay.criteria] == [2, 1]
    assert view.score == Decimal("1.5") and view.essay.model_answer_html
    # Told once, even when the mark is changed afterwards.
    marking.mark(
        session, target, marks=["2", "2"], total=None, feedback="", marker_id=staff, now=later(500)
    )
    told = session.scalar(
        select(func.count(Message.id)).where(
            Message.user_id == world.member.user_id, Message.kind == "quiz_marked"
        )
    )
    assert told == 1
    session.refresh(first)
    assert first.percent == 100
    assert second.is_marking_pending


def test_the_review_policy_hides_marks_and_model_answer(session, world):
    quiz, question = exam(
        session,
        world,
        review_score=ReviewTiming.NEVER,
        review_answers=ReviewTiming.NEVER,
        review_correctness=ReviewTiming.NEVER,
        review_explanations=ReviewTiming.NEVER,
    )
    attempt = taken(session, world, quiz, question, world.member)
    paths = paths_of(session, world, quiz, world.staff)
    item_id = marking.next_item(session, quiz, paths, marker_id=world.staff.user_id)
    target = marking.load_target(session, quiz, item_id, paths, marker_id=world.staff.user_id)
    marking.mark(
        session,
        target,
        marks=["1", "1"],
        total=None,
        feedback="评语",
        marker_id=world.staff.user_id,
        now=NOW,
    )
    _shown, views = attempts.item_views(session, attempt, now=later(400))
    view = next(v for v in views if v.qtype == QuestionType.ESSAY)
    assert view.essay.feedback is None and view.essay.criteria == []
    assert view.essay.model_answer_html is None and view.score is None


def test_without_a_rubric_the_marker_gives_points(session, world):
    question = essay(session, world, rubric=False)
    quiz = make_quiz(session, world, questions=[question], points=Decimal(5))
    attempt = taken_only_essay(session, quiz, question, world.member)
    paths = paths_of(session, world, quiz, world.staff)
    target = marking.load_target(
        session,
        quiz,
        marking.next_item(session, quiz, paths, marker_id=world.staff.user_id),
        paths,
        marker_id=world.staff.user_id,
    )
    with pytest.raises(InvalidInput):
        marking.mark(
            session,
            target,
            marks=None,
            total="6",
            feedback="",
            marker_id=world.staff.user_id,
            now=NOW,
        )
    marking.mark(
        session,
        target,
        marks=None,
        total="2.5",
        feedback="",
        marker_id=world.staff.user_id,
        now=NOW,
    )
    session.refresh(attempt)
    assert attempt.percent == 50


def taken_only_essay(session, quiz, question, member):
    attempt = start(session, quiz, member)
    attempts.save_answer(session, attempt, position=1, response="答案", seq=1, now=NOW)
    attempts.submit_attempt(session, attempt, now=later(60))
    session.refresh(attempt)
    return attempt


def test_who_may_mark(session, world, make):
    quiz, question = exam(session, world)
    taken(session, world, quiz, question, world.member)
    secretary = make.member(world.branch, role=Role.SECRETARY)
    other_secretary = make.member(world.other_branch, role=Role.SECRETARY)
    assert paths_of(session, world, quiz, secretary) == []  # not allowed by the quiz yet
    marking.set_branch_marking(session, quiz, True, actor_id=None, now=NOW)
    paths = paths_of(session, world, quiz, secretary)
    assert marking.queue_size(session, quiz, paths, marker_id=secretary.user_id) == 1
    other = paths_of(session, world, quiz, other_secretary)
    assert marking.queue_size(session, quiz, other, marker_id=other_secretary.user_id) == 0
    assert paths_of(session, world, quiz, world.neighbour) == []


def test_statistics_count_partial_essay_marks_as_fractions(session, world):
    question = essay(session, world, rubric=False)
    quiz = make_quiz(session, world, questions=[question], points=Decimal(2))
    marks = {world.member: "1", world.neighbour: "2", world.staff: "0"}
    for member, points in marks.items():
        taken_only_essay(session, quiz, question, member)
        paths = paths_of(session, world, quiz, world.outsider) or [world.committee.path]
        item_id = marking.next_item(session, quiz, paths, marker_id=world.outsider.user_id)
        target = marking.load_target(
            session, quiz, item_id, paths, marker_id=world.outsider.user_id
        )
        marking.mark(
            session,
            target,
            marks=None,
            total=points,
            feedback="",
            marker_id=world.staff.user_id,
            now=NOW,
        )
    result = stats.quiz_statistics(session, quiz)
    (row,) = result.questions
    assert row.stats.facility == pytest.approx(0.5)  # (1 + 2 + 0) / 3 of 2 points
    assert row.options == [] and row.right == []  # essay texts are not counted as choices


def test_the_marking_pages(client, login, session, world, make):
    quiz, question = exam(session, world)
    attempt = taken(session, world, quiz, question, world.member)
    taken(session, world, quiz, question, world.neighbour)
    session.commit()
    login(world.staff.user)
    page = client.get(f"/quizzes/{quiz.id}/marking").get_data(as_text=True)
    assert "2 written answers wait for marking." in page
    item_id = marking.next_item(
        session, quiz, [world.committee.path], marker_id=world.staff.user_id
    )
    page = client.get(f"/quizzes/{quiz.id}/marking/{item_id}").get_data(as_text=True)
    assert "坚持人民至上" in page and "要点一" in page and "坚持和加强党的全面领导" in page
    bad = client.post(
        f"/quizzes/{quiz.id}/marking/{item_id}", data={"criterion": ["5", "1"], "feedback": ""}
    )
    assert bad.status_code == 200 and "give from 0 to 2 points" in bad.get_data(as_text=True)
    response = client.post(
        f"/quizzes/{quiz.id}/marking/{item_id}",
        data={"criterion": ["2", "2"], "feedback": "很好"},
    )
    assert response.status_code == 302 and "/marking/" in response.headers["Location"]
    session.refresh(attempt)
    assert attempt.percent == 100 and not attempt.is_marking_pending
    # The member's result shows the mark and comment.
    login(world.member.user)
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "很好" in result
    assert client.get(f"/quizzes/{quiz.id}/marking").status_code == 404
    # A secretary once the quiz allows it, for their branch only.
    secretary = make.member(world.branch, role=Role.SECRETARY)
    session.commit()
    login(secretary.user)
    assert client.get(f"/quizzes/{quiz.id}/marking").status_code == 404
    login(world.staff.user)
    client.post(f"/quizzes/{quiz.id}/branch-marking", data={"allowed": "1"})
    login(secretary.user)
    assert "1 written answers" in client.get(f"/quizzes/{quiz.id}/marking").get_data(as_text=True)


def test_in_practice_an_essay_is_saved_not_checked_at_once(session, world):
    question = essay(session, world, rubric=False)
    quiz = make_quiz(session, world, questions=[question], mode=QuizMode.PRACTICE)
    attempt = start(session, quiz, world.member)
    saved = attempts.save_answer(session, attempt, position=1, response="草稿", seq=1, now=NOW)
    assert not saved.is_instant and saved.score is None
    saved = attempts.save_answer(session, attempt, position=1, response="定稿", seq=2, now=NOW)
    assert saved.applied and saved.response == "定稿"


def test_the_daily_draw_leaves_essays_out(session, world):
    essay(session, world)
    rows = session.execute(
        queries.draw_pool(
            world.bank.id,
            category_path=None,
            category_id=None,
            include_subcategories=True,
            qtype=None,
            auto_graded_only=True,
        )
    ).all()
    drawn = {question_id for question_id, _version in rows}
    assert drawn == {q.id for q in world.questions.values()}


def test_erasing_a_member_scrubs_their_name_from_the_markers_comment(session, world):
    from studyhub.org import erasure
    from studyhub.org.services import set_member_active

    quiz, question = exam(session, world)
    taken(session, world, quiz, question, world.member)
    paths = [world.committee.path]
    item_id = marking.next_item(session, quiz, paths, marker_id=world.staff.user_id)
    target = marking.load_target(session, quiz, item_id, paths, marker_id=world.staff.user_id)
    name = world.member.user.name
    marking.mark(
        session,
        target,
        marks=["1", "1"],
        total=None,
        feedback=f"{name}同志的回答不够完整。",
        marker_id=world.staff.user_id,
        now=NOW,
    )
    set_member_active(world.member, is_active=False, actor_id=None, now=NOW)
    session.flush()
    erasure.erase_member(session, world.member, actor_id=world.staff.user_id, now=later(60))
    feedback = session.scalar(select(AttemptItem.feedback).where(AttemptItem.id == item_id))
    assert name not in feedback and feedback.endswith("同志的回答不够完整。")
