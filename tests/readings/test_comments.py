"""Comments (党建e互动): limits, visibility, moderation, deleting one's own, escaping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from studyhub.core import clock
from studyhub.core.errors import Closed, InvalidInput, NotAllowed
from studyhub.org import access
from studyhub.org.models import Role, UnitKind
from studyhub.readings.models import Comment
from studyhub.readings.services import comments
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text

TODAY = date(2026, 11, 20)
LIMIT = comments.RateLimit(per_minute=3, per_day=30)


@pytest.fixture
def org(make):
    """One committee with branches A and B (each with a secretary), and another committee."""
    committee = make.committee("机关党委")
    branch_a = make.unit(committee, UnitKind.BRANCH, "甲支部")
    branch_b = make.unit(committee, UnitKind.BRANCH, "乙支部")
    elsewhere = make.committee("别的党委")
    branch_c = make.unit(elsewhere, UnitKind.BRANCH, "丙支部")
    return {
        "committee": committee,
        "elsewhere": elsewhere,
        "branch_a": branch_a,
        "branch_b": branch_b,
        "branch_c": branch_c,
        "alice": make.member(branch_a, name="甲一"),
        "adam": make.member(branch_a, name="甲二"),
        "sec_a": make.member(branch_a, name="甲书记", role=Role.SECRETARY),
        "bob": make.member(branch_b, name="乙一"),
        "sec_b": make.member(branch_b, name="乙书记", role=Role.SECRETARY),
        "staff": make.member(branch_b, name="干事", role=Role.STAFF, role_unit=committee),
        "carol": make.member(branch_c, name="丙一"),
    }


@pytest.fixture
def reading(session, org):
    return make_reading(session, org["committee"], daily_on=TODAY)


def post(session, reading, member, text="说得好", at=NOW, limit=LIMIT):
    return comments.add_comment(session, reading, member=member, text=text, now=at, limit=limit)


def section(session, reading, member, *, committee_id=None, can_moderate=False):
    return comments.comment_section(
        session,
        reading,
        viewer_id=member.user_id,
        committee_id=committee_id or member.committee_id,
        can_moderate=can_moderate,
        now=NOW,
    )


def bodies(result) -> list[str]:
    return [c["body"] for c in result["comments"]]


# --- posting ----------------------------------------------------------------------------


def test_a_comment_is_plain_trimmed_text(session, org, reading):
    comment = post(session, reading, org["alice"], text="  第一行\r\n第二行\x00  ")
    assert comment.body == "第一行\n第二行"
    assert comment.branch_id == org["branch_a"].id
    assert comment.created_at == NOW


def test_length_limits(session, org, reading):
    for empty in ("", "   ", "\n\t"):
        with pytest.raises(InvalidInput):
            post(session, reading, org["alice"], text=empty)
    with pytest.raises(InvalidInput):
        post(session, reading, org["alice"], text="好" * 501)
    assert post(session, reading, org["alice"], text=" " + "好" * 500 + " ").body == "好" * 500
    assert session.scalars(select(Comment.id)).all() != []


def test_rate_limit_per_minute(session, org, reading):
    for second in (0, 10, 20):
        post(session, reading, org["alice"], at=NOW + timedelta(seconds=second))
    with pytest.raises(InvalidInput, match="last minute"):
        post(session, reading, org["alice"], at=NOW + timedelta(seconds=50))
    # Another member is not slowed down by Alice.
    post(session, reading, org["adam"], at=NOW + timedelta(seconds=50))
    post(session, reading, org["alice"], at=NOW + timedelta(seconds=61))


def test_rate_limit_per_day_counts_deleted_comments(session, org, reading):
    limit = comments.RateLimit(per_minute=100, per_day=4)
    posted = [
        post(session, reading, org["alice"], at=NOW + timedelta(hours=h), limit=limit)
        for h in range(4)
    ]
    comments.delete_own_comment(session, posted[0], user_id=org["alice"].user_id, now=NOW)
    with pytest.raises(InvalidInput, match="24 hours"):
        post(session, reading, org["alice"], at=NOW + timedelta(hours=5), limit=limit)
    post(session, reading, org["alice"], at=NOW + timedelta(hours=24, minutes=1), limit=limit)


def test_only_members_of_the_committee_comment_on_visible_readings(session, org, reading):
    with pytest.raises(NotAllowed):
        post(session, reading, org["carol"])
    scheduled = make_reading(session, org["committee"], daily_on=TODAY + timedelta(days=1))
    with pytest.raises(Closed):
        post(session, scheduled, org["alice"])
    assert session.scalars(select(Comment.id)).all() == []


# --- who sees what ----------------------------------------------------------------------


def test_comments_are_visible_to_the_committee_newest_first(session, org, reading):
    post(session, reading, org["alice"], text="一")
    post(session, reading, org["bob"], text="二", at=NOW + timedelta(minutes=1))
    seen = section(session, reading, org["bob"])
    assert bodies(seen) == ["二", "一"]
    assert seen["count"] == 2 and seen["can_comment"]
    assert [c["author"] for c in seen["comments"]] == ["乙一", "甲一"]
    assert [c["can_delete"] for c in seen["comments"]] == [True, False]
    assert not any(c["can_hide"] for c in seen["comments"])


def test_comments_of_another_committee_are_not_shown(session, org, reading):
    post(session, reading, org["alice"], text="本党委")
    # A stray row from another committee's branch (e.g. written before a move).
    session.add(
        Comment(
            reading_id=reading.id,
            user_id=org["carol"].user_id,
            branch_id=org["branch_c"].id,
            body="外党委",
            created_at=NOW,
        )
    )
    session.flush()
    assert bodies(section(session, reading, org["alice"])) == ["本党委"]
    carol = section(session, reading, org["carol"])
    assert bodies(carol) == ["外党委"] and not carol["can_comment"]


# --- hiding -----------------------------------------------------------------------------


def test_hiding_keeps_the_row_with_who_when_and_why(session, org, reading):
    comment = post(session, reading, org["alice"], text="不当言论")
    later = NOW + timedelta(minutes=5)
    comments.hide_comment(
        session, comment, by_user_id=org["sec_a"].user_id, now=later, reason=" 离题  太远 "
    )
    session.expire_all()
    row = session.get(Comment, comment.id)
    assert row.body == "不当言论"
    assert row.hidden_by_id == org["sec_a"].user_id
    assert row.hidden_at.replace(tzinfo=None) == later.replace(tzinfo=None)
    assert row.hidden_reason == "离题 太远"
    assert row.deleted_at is None


def test_hidden_comments_disappear_for_members_but_not_for_moderators(session, org, reading):
    kept = post(session, reading, org["adam"], text="留着")
    hidden = post(session, reading, org["alice"], text="藏起来", at=NOW + timedelta(seconds=1))
    comments.hide_comment(session, hidden, by_user_id=org["sec_a"].user_id, now=NOW)

    for viewer in ("alice", "adam", "bob"):
        result = section(session, reading, org[viewer])
        assert bodies(result) == ["留着"], viewer
    assert section(session, reading, org["bob"])["count"] == 1

    # Staff moderate everything (can_moderate); a secretary their branch (by grants).
    for moderator, everything in (("sec_a", False), ("staff", True), ("staff", False)):
        result = section(session, reading, org[moderator], can_moderate=everything)
        assert bodies(result) == ["藏起来", "留着"], moderator
        marked = result["comments"][0]
        assert marked["is_hidden"] and marked["hidden_by"] == "甲书记"
        assert marked["can_unhide"] and not marked["can_hide"]
        assert result["comments"][1]["can_hide"]
        assert result["count"] == 1
    assert kept.hidden_at is None


def test_a_secretary_of_another_branch_cannot_hide(session, org, reading):
    comment = post(session, reading, org["alice"])
    hidden = post(session, reading, org["adam"], at=NOW + timedelta(seconds=1))
    comments.hide_comment(session, hidden, by_user_id=org["staff"].user_id, now=NOW)
    result = section(session, reading, org["sec_b"])
    assert bodies(result) == [comment.body]  # not branch A's hidden one
    assert not result["comments"][0]["can_hide"]
    grants_b = access.grants_for(session, org["sec_b"].user)
    assert not comments.can_hide(grants_b, org["branch_a"])
    assert comments.can_hide(grants_b, org["branch_b"])
    assert comments.can_hide(access.grants_for(session, org["staff"].user), org["branch_a"])
    assert not comments.can_hide(access.grants_for(session, org["bob"].user), org["branch_b"])


def test_unhide_shows_the_comment_again(session, org, reading):
    comment = post(session, reading, org["alice"])
    comments.hide_comment(session, comment, by_user_id=org["staff"].user_id, now=NOW)
    comments.unhide_comment(session, comment, actor_id=None, now=NOW)
    assert comment.hidden_at is None and comment.hidden_by_id is None
    assert bodies(section(session, reading, org["bob"])) == [comment.body]


# --- deleting ---------------------------------------------------------------------------


def test_only_the_author_deletes_and_the_row_stays(session, org, reading):
    comment = post(session, reading, org["alice"])
    for other in ("adam", "sec_a", "staff"):
        with pytest.raises(NotAllowed):
            comments.delete_own_comment(session, comment, user_id=org[other].user_id, now=NOW)
    assert comment.deleted_at is None
    comments.delete_own_comment(session, comment, user_id=org["alice"].user_id, now=NOW)
    assert session.get(Comment, comment.id).deleted_at is not None
    assert bodies(section(session, reading, org["alice"])) == []
    assert bodies(section(session, reading, org["staff"], can_moderate=True)) == []
    with pytest.raises(Closed):
        comments.hide_comment(session, comment, by_user_id=org["staff"].user_id, now=NOW)


# --- the pages --------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_post_a_comment_and_see_it_escaped(session, english, login, org, reading):
    login(org["alice"].user)
    response = english.post(
        f"/readings/{reading.id}/comments",
        data={"text": "<script>alert(1)</script> & <b>粗</b>"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/readings/{reading.id}#comments")
    login(org["bob"].user)
    page = english.get(f"/readings/{reading.id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;粗&lt;/b&gt;" in page
    assert "<script>alert(1)" not in page and "<b>粗</b>" not in page


def test_post_a_comment_too_fast_says_why(session, english, login, org, reading):
    login(org["alice"].user)
    for _ in range(3):  # the page uses the real clock
        post(session, reading, org["alice"], at=clock.now_utc())
    response = english.post(
        f"/readings/{reading.id}/comments", data={"text": "再来"}, follow_redirects=True
    )
    assert "Please wait a moment" in response.text
    assert session.scalar(select(Comment.id).where(Comment.body == "再来")) is None


def test_comment_on_another_committees_reading_is_not_found(english, login, org, reading):
    login(org["carol"].user)
    response = english.post(f"/readings/{reading.id}/comments", data={"text": "路过"})
    assert response.status_code == 404


def test_hide_through_the_page(session, english, login, org, reading):
    comment = post(session, reading, org["alice"], text="要藏的")
    login(org["sec_b"].user)
    assert english.post(f"/readings/comments/{comment.id}/hide").status_code == 403
    assert session.get(Comment, comment.id).hidden_at is None
    login(org["bob"].user)
    assert english.post(f"/readings/comments/{comment.id}/hide").status_code == 403

    login(org["sec_a"].user)
    response = english.post(f"/readings/comments/{comment.id}/hide", data={"reason": "离题"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#comments")
    row = session.get(Comment, comment.id)
    assert row.hidden_by_id == org["sec_a"].user_id and row.hidden_reason == "离题"

    page = english.get(f"/readings/{reading.id}").text
    assert "要藏的" in page and "Hidden by 甲书记" in page and "Show again" in page
    login(org["adam"].user)
    assert "要藏的" not in english.get(f"/readings/{reading.id}").text


def test_delete_through_the_page(session, english, login, org, reading):
    comment = post(session, reading, org["alice"], text="删掉我")
    login(org["adam"].user)
    assert english.post(f"/readings/comments/{comment.id}/delete").status_code == 403
    assert session.get(Comment, comment.id).deleted_at is None
    login(org["alice"].user)
    page = english.get(f"/readings/{reading.id}").text
    assert f'action="/readings/comments/{comment.id}/delete"' in page
    assert f'action="/readings/comments/{comment.id}/hide"' not in page
    assert english.post(f"/readings/comments/{comment.id}/delete").status_code == 302
    assert session.get(Comment, comment.id).deleted_at is not None
    assert "删掉我" not in english.get(f"/readings/{reading.id}").text
    assert english.post(f"/readings/comments/{comment.id}/delete").status_code == 404
