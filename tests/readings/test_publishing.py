"""支部发稿: a branch's editor publishes to the branch or submits to the committee's channel;
staff approve or return with a reason; others are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyhub.audit.models import AuditEntry
from studyhub.core.errors import Conflict, InvalidInput, NotAllowed
from studyhub.notify.models import Message
from studyhub.org.access import grants_for
from studyhub.org.models import Role
from studyhub.readings import queries
from studyhub.readings.models import Reading
from studyhub.readings.services import publishing
from studyhub.readings.services.library import ReadingFields, StudyTiming
from tests.conftest import NOW

TIMING = StudyTiming()


@pytest.fixture
def world(make, session):
    committee = make.committee("机关党委")
    news = make.branch(committee, "新闻支部")
    tech = make.branch(committee, "技术支部")
    return {
        "committee": committee,
        "news": news,
        "tech": tech,
        "editor": make.member(news, name="宣传委员", role=Role.BRANCH_EDITOR),
        "secretary": make.member(news, name="书记", role=Role.SECRETARY),
        "member": make.member(news, name="党员甲"),
        "other_member": make.member(tech, name="党员乙"),
        "tech_editor": make.member(tech, name="技术宣传委员", role=Role.BRANCH_EDITOR),
        "staff": make.member(news, name="干事", role=Role.STAFF, role_unit=committee),
    }


def submit(session, world, audience="committee", title="学习笔记"):
    return publishing.write(
        session,
        world["news"],
        ReadingFields(title=title, body_markdown="正文" * 50),
        audience=audience,
        by_user_id=world["editor"].user_id,
        now=NOW,
        timing=TIMING,
    )


def messages(session, user_id):
    return list(session.scalars(select(Message).where(Message.user_id == user_id)))


def test_editor_and_secretary_edit_their_branch_only(session, world):
    for who in ("editor", "secretary"):
        grants = grants_for(session, world[who].user)
        assert publishing.can_edit_for(grants, world["news"])
        assert not publishing.can_edit_for(grants, world["tech"])
    for who in ("member", "staff"):
        assert not publishing.can_edit_for(grants_for(session, world[who].user), world["news"])
    with pytest.raises(NotAllowed):
        publishing.require_editor(grants_for(session, world["tech_editor"].user), world["news"])


def test_branch_reading_is_published_to_the_branch_only(session, world):
    reading = submit(session, world, audience="branch", title="支部学习")
    assert reading.branch_id == world["news"].id and reading.published_at == NOW
    assert [r.id for r in publishing.branch_readings(session, world["news"].id, NOW)] == [
        reading.id
    ]
    assert publishing.branch_readings(session, world["tech"].id, NOW) == []
    # Not in the committee's lists.
    visible = session.scalars(
        select(Reading.id)
        .where(Reading.committee_id == world["committee"].id)
        .where(queries.is_visible(NOW))
    ).all()
    assert reading.id not in visible


def test_submission_waits_then_approval_publishes_and_tells_the_author(session, world):
    reading = submit(session, world)
    assert reading.published_at is None and reading.review_state == publishing.SUBMITTED
    assert publishing.review_queue(session, world["committee"]) == [reading]
    publishing.require_reviewer(
        grants_for(session, world["staff"].user), world["committee"], reading
    )
    publishing.approve(session, reading, by_user_id=world["staff"].user_id, now=NOW)
    assert reading.published_at == NOW and reading.branch_id is None
    assert publishing.review_queue(session, world["committee"]) == []
    [message] = messages(session, world["editor"].user_id)
    assert message.kind == "reading_approved" and message.params == {"title": "学习笔记"}
    kinds = session.scalars(
        select(AuditEntry.kind)
        .where(AuditEntry.object_type == "reading", AuditEntry.object_id == reading.id)
        .order_by(AuditEntry.id)
    ).all()
    assert kinds == ["reading.submitted", "reading.approved"]
    with pytest.raises(Conflict):
        publishing.approve(session, reading, by_user_id=world["staff"].user_id, now=NOW)


def test_return_with_reason_then_resubmit(session, world):
    reading = submit(session, world)
    with pytest.raises(InvalidInput):
        publishing.return_to_author(session, reading, "  ", by_user_id=None, now=NOW)
    publishing.return_to_author(
        session, reading, "请补充出处", by_user_id=world["staff"].user_id, now=NOW
    )
    assert reading.review_state == publishing.RETURNED and reading.published_at is None
    drafts = publishing.branch_drafts(session, world["news"])
    assert drafts == [reading] and drafts[0].review_note == "请补充出处"
    [message] = messages(session, world["editor"].user_id)
    assert message.kind == "reading_returned" and message.params["reason"] == "请补充出处"
    assert publishing.review_queue(session, world["committee"]) == []
    publishing.revise(
        session,
        world["news"],
        reading,
        ReadingFields(title="学习笔记（修改）", body_markdown="正文", source="人民日报"),
        audience="committee",
        by_user_id=world["editor"].user_id,
        now=NOW,
        timing=TIMING,
    )
    assert reading.review_state == publishing.SUBMITTED
    assert publishing.review_queue(session, world["committee"]) == [reading]
    assert session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.object_id == reading.id, AuditEntry.kind == "reading.resubmitted"
        )
    )


def test_reviewers_are_the_committees_staff(session, world, make):
    reading = submit(session, world)
    for who in ("editor", "secretary", "tech_editor", "member"):
        with pytest.raises(NotAllowed):
            publishing.require_reviewer(
                grants_for(session, world[who].user), world["committee"], reading
            )
    other = make.committee("另一个党委")
    other_staff = make.member(make.branch(other), role=Role.STAFF, role_unit=other)
    with pytest.raises(NotAllowed):
        publishing.require_reviewer(grants_for(session, other_staff.user), other, reading)
    with pytest.raises(NotAllowed):
        publishing.require_own(
            grants_for(session, world["tech_editor"].user), world["tech"], reading
        )


def test_staff_appoint_the_branch_editor(session, world, make):
    from studyhub.org import services as org
    from studyhub.org.access import can_appoint

    staff = grants_for(session, world["staff"].user)
    assert can_appoint(staff, world["tech"], Role.BRANCH_EDITOR)
    assert not can_appoint(
        grants_for(session, world["secretary"].user), world["tech"], Role.BRANCH_EDITOR
    )
    org.appoint(session, world["member"].user, world["news"], Role.BRANCH_EDITOR, by=None, now=NOW)
    assert publishing.can_edit_for(grants_for(session, world["member"].user), world["news"])
    with pytest.raises(InvalidInput):
        org.appoint(
            session, world["member"].user, world["committee"], Role.BRANCH_EDITOR, by=None, now=NOW
        )
