"""The scheduling form: moderators chosen among the invited branches' members, and guest
branches of other committees found by name (staff only)."""

from __future__ import annotations

import re

from sqlalchemy import select

from studyhub.live.models import LiveLesson


def _token(page: str) -> str:
    """The form's CSRF token (none when the test configuration turns CSRF off)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return found.group(1) if found else ""


def _fields(token: str, **extra) -> dict:
    return {
        "csrf_token": token,
        "title": "表单直播党课",
        "starts_at": "2026-12-01T19:00",
        "planned_end_at": "2026-12-01T20:00",
        "threshold_percent": "80",
        **extra,
    }


def _lessons(session) -> list[LiveLesson]:
    return list(session.scalars(select(LiveLesson).where(LiveLesson.title == "表单直播党课")))


def test_staff_find_a_guest_branch_by_name_and_choose_moderators(client, login, world, session):
    login(world.staff.user)
    page = client.get("/live/new").get_data(as_text=True)
    assert 'id="guest-picker"' in page
    assert "甲党员一" in page and "乙党员" in page  # the moderators' choices
    assert "别的办公室" not in page
    other_branch = world.other_staff.branch
    found = client.post(
        "/live/new", data=_fields(_token(page), guest_query="别的", find_guests="1")
    )
    assert found.status_code == 200
    found_page = found.get_data(as_text=True)
    assert f'value="{other_branch.id}"' in found_page and "别的党委 · 别的办公室" in found_page
    assert "表单直播党课" in found_page  # what was typed stays
    assert _lessons(session) == []  # a search saves nothing
    saved = client.post(
        "/live/new",
        data=_fields(
            _token(found_page),
            branches=[str(world.branch_a.id)],
            guests=[str(other_branch.id)],
            moderators=[str(world.member_a1.user.id)],
        ),
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    (lesson,) = _lessons(session)
    guests = {i.branch_id for i in lesson.invitations if i.is_guest}
    assert guests == {other_branch.id}
    assert [m.user_id for m in lesson.moderators] == [world.member_a1.user.id]


def test_a_moderator_must_be_a_member_of_an_invited_branch(client, login, world, session):
    login(world.staff.user)
    token = _token(client.get("/live/new").get_data(as_text=True))
    refused = client.post(
        "/live/new",
        data=_fields(
            token, branches=[str(world.branch_a.id)], moderators=[str(world.member_b.user.id)]
        ),
    )
    assert refused.status_code == 200
    assert "A moderator must be a member of an invited branch." in refused.get_data(as_text=True)
    assert _lessons(session) == []


def test_a_secretary_has_no_guest_picker_and_cannot_invite_guests(client, login, world, session):
    login(world.secretary_a.user)
    page = client.get("/live/new").get_data(as_text=True)
    assert 'id="guest-picker"' not in page
    assert "甲党员一" in page and "乙党员" not in page
    other_branch = world.other_staff.branch
    saved = client.post(
        "/live/new",
        data=_fields(
            _token(page),
            branches=[str(world.branch_a.id)],
            guests=[str(other_branch.id)],
            moderators=[str(world.member_a1.user.id)],
        ),
    )
    assert saved.status_code == 302
    (lesson,) = _lessons(session)
    assert {i.branch_id for i in lesson.invitations} == {world.branch_a.id}
    assert [m.user_id for m in lesson.moderators] == [world.member_a1.user.id]
