"""The erasure page: staff over the branch confirm by typing the departed member's name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyhub.audit.models import AuditEntry
from studyhub.org import services as org_services
from studyhub.org.models import Member, Role
from tests.conftest import NOW


@pytest.fixture
def people(make, in_english):
    committee = make.committee("机关党委")
    branch = make.branch(committee, "第一支部")
    staff = make.member(branch, name="组织干事", role=Role.STAFF, role_unit=committee)
    secretary = make.member(branch, name="王书记", role=Role.SECRETARY)
    leaver = make.member(branch, name="赵离开")
    return staff, secretary, leaver


def _deactivate(session, member: Member) -> None:
    org_services.set_member_active(member, is_active=False, actor_id=None, now=NOW)
    session.flush()


def test_staff_erase_a_departed_member_after_typing_their_name(session, client, login, people):
    staff, _secretary, leaver = people
    login(staff.user)
    url = f"/org/members/{leaver.id}/erase"

    # Still a member: no button, and the page sends staff back.
    assert url not in client.get(f"/org/members/{leaver.id}").text
    back = client.get(url)
    assert back.status_code == 302 and back.location == f"/org/members/{leaver.id}"

    _deactivate(session, leaver)
    assert url in client.get(f"/org/members/{leaver.id}").text
    page = client.get(url)
    assert page.status_code == 200 and "This cannot be undone." in page.text

    unticked = client.post(url, data={"typed_name": "赵离开"})
    assert unticked.status_code == 200 and "Tick the box to confirm." in unticked.text
    wrong = client.post(url, data={"typed_name": "赵", "understood": "y"})
    assert wrong.status_code == 200 and "not this member&#39;s name" in wrong.text
    assert session.get(Member, leaver.id).erased_at is None

    done = client.post(url, data={"typed_name": "赵离开", "understood": "y"})
    assert done.status_code == 302
    shown = client.get(done.location).text
    placeholder = f"已注销党员 #{leaver.id}"
    assert placeholder in shown and "赵离开" not in shown
    assert "Personal data erased" in shown
    assert url not in shown and "Reactivate" not in shown and "Edit" not in shown
    entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "member.erased")).one()
    assert entry.actor_id == staff.user_id and entry.summary == placeholder

    again = client.post(url, data={"typed_name": placeholder, "understood": "y"})
    assert again.status_code == 200 and "already been erased" in again.text


def test_the_secretary_may_not_erase(session, client, login, people):
    _staff, secretary, leaver = people
    _deactivate(session, leaver)
    login(secretary.user)
    url = f"/org/members/{leaver.id}/erase"
    assert url not in client.get(f"/org/members/{leaver.id}").text
    assert client.get(url).status_code in {403, 404}
    refused = client.post(url, data={"typed_name": "赵离开", "understood": "y"})
    assert refused.status_code in {403, 404}
    assert session.get(Member, leaver.id).erased_at is None
    assert session.get(Member, leaver.id).user.name == "赵离开"


def test_a_member_may_not_erase_themselves_nor_a_peer(session, client, login, people, make):
    _staff, _secretary, leaver = people
    peer = make.member(leaver.branch, name="同事")
    _deactivate(session, leaver)
    login(peer.user)
    assert client.post(f"/org/members/{leaver.id}/erase", data={}).status_code in {403, 404}


def test_an_erased_record_is_neither_edited_nor_moved(session, client, login, people):
    staff, _secretary, leaver = people
    _deactivate(session, leaver)
    login(staff.user)
    client.post(f"/org/members/{leaver.id}/erase", data={"typed_name": "赵离开", "understood": "y"})
    edited = client.post(
        f"/org/members/{leaver.id}/edit",
        data={"name": "赵离开", "phone": "13700000009", "status": "full"},
    )
    assert edited.status_code == 200 and "the record cannot change" in edited.text
    erased = session.get(Member, leaver.id)
    assert erased.user.phone is None and erased.user.name == f"已注销党员 #{leaver.id}"
