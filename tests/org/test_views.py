"""Roster pages: what they show, and what staff can do through them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.org import services as org_services
from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment, UnitKind
from studyhub.org.services import members as org_members
from tests.conftest import PASSWORD

WRONG_LOGIN = "The phone or member number and password do not match"


def english(client):
    """Pages in English (the source strings), whatever the default language's catalogue says."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _english_client(client):
    english(client)


@pytest.fixture
def org(make):
    committee = make.committee("机关党委")
    branch_a = make.unit(committee, UnitKind.BRANCH, "第一支部")
    group_a = make.unit(branch_a, UnitKind.GROUP, "第一小组")
    branch_b = make.unit(committee, UnitKind.BRANCH, "第二支部")
    staff = make.member(branch_a, name="组织干事", role=Role.STAFF, role_unit=committee)
    return {
        "committee": committee,
        "branch_a": branch_a,
        "group_a": group_a,
        "branch_b": branch_b,
        "staff": staff,
    }


def roster(html: str) -> list[str]:
    """The names listed in a unit page's roster, in order."""
    section = html.split('<ul class="roster">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<strong>([^<]+)</strong>", section)


def post_login(client, identifier: str, password: str):
    return client.post("/login", data={"identifier": identifier, "password": password})


def member_named(session, name: str) -> Member:
    return session.scalars(select(Member).join(Member.user).where(User.name == name)).one()


# --- pages ------------------------------------------------------------------------------


def test_staff_index_lists_branches_with_member_counts(client, login, make, org):
    for _ in range(3):
        make.member(org["branch_a"], group=org["group_a"])
    make.member(org["branch_b"])
    other = make.branch(name="别的党委的支部")
    login(org["staff"].user)
    page = client.get("/org/")
    assert page.status_code == 200
    items = dict(
        re.findall(
            r'>([^<]+)</a>\s*<span class="tag">[^<]*</span>\s*<span class="muted">([^<]*)<',
            page.text,
        )
    )
    # Branch A: the staff member plus three in its group; branch B: one.
    assert items == {"第一支部": "4 members", "第二支部": "1 members"}
    assert "第一小组" in page.text
    assert other.name not in page.text


def test_branch_page_lists_exactly_its_active_members(client, login, make, org, session):
    a1 = make.member(org["branch_a"], name="甲一")
    a2 = make.member(org["branch_a"], name="甲二", group=org["group_a"])
    gone = make.member(org["branch_a"], name="甲走了")
    make.member(org["branch_b"], name="乙一")
    org_services.set_member_active(gone, is_active=False, actor_id=None, now=a1.created_at)
    session.flush()
    login(org["staff"].user)
    page = client.get(f"/org/units/{org['branch_a'].id}")
    assert sorted(roster(page.text)) == sorted(["甲一", "甲二", "组织干事"])
    assert "3 active members" in page.text
    with_inactive = client.get(f"/org/units/{org['branch_a'].id}?all=1")
    assert sorted(roster(with_inactive.text)) == sorted(["甲一", "甲二", "甲走了", "组织干事"])
    assert "Inactive" in with_inactive.text
    group_page = client.get(f"/org/units/{org['group_a'].id}")
    assert roster(group_page.text) == [a2.user.name]


def test_secretary_does_not_get_inactive_members(client, login, make, org, session):
    secretary = make.member(org["branch_a"], name="书记", role=Role.SECRETARY)
    gone = make.member(org["branch_a"], name="甲走了")
    org_services.set_member_active(gone, is_active=False, actor_id=None, now=gone.created_at)
    session.flush()
    login(secretary.user)
    page = client.get(f"/org/units/{org['branch_a'].id}?all=1")
    assert page.status_code == 200
    assert "甲走了" not in roster(page.text)
    assert "书记" in roster(page.text)


def test_search_by_name_and_phone(client, login, make, org):
    zhang = make.member(org["branch_a"], name="张三丰")
    make.member(org["branch_a"], name="李四")
    make.member(org["branch_b"], name="张三其")  # another branch: never in A's results
    login(org["staff"].user)
    url = f"/org/units/{org['branch_a'].id}"
    assert roster(client.get(url, query_string={"q": "张三"}).text) == ["张三丰"]
    assert roster(client.get(url, query_string={"q": zhang.user.phone[-5:]}).text) == ["张三丰"]
    assert roster(client.get(url, query_string={"q": "王"}).text) == []


# --- staff actions ----------------------------------------------------------------------


def test_staff_create_rename_branch_and_group(client, login, session, org):
    login(org["staff"].user)
    committee = org["committee"]
    response = client.post(
        f"/org/units/{committee.id}/new", data={"kind": "branch", "name": "第三支部"}
    )
    assert response.status_code == 302
    branch = session.scalars(select(OrgUnit).where(OrgUnit.name == "第三支部")).one()
    assert response.location == f"/org/units/{branch.id}"
    assert branch.parent_id == committee.id and branch.kind == UnitKind.BRANCH
    response = client.post(f"/org/units/{branch.id}/new", data={"kind": "group", "name": "一组"})
    group = session.scalars(select(OrgUnit).where(OrgUnit.parent_id == branch.id)).one()
    assert (group.name, group.kind, group.path) == (
        "一组",
        UnitKind.GROUP,
        f"{branch.path}{group.id}/",
    )
    # A duplicate name is refused on the form, not with an error page.
    again = client.post(
        f"/org/units/{committee.id}/new", data={"kind": "branch", "name": "第三支部"}
    )
    assert again.status_code == 200
    assert "第三支部 exists already there." in again.text
    # A kind that does not fit is refused by the form.
    assert (
        client.post(f"/org/units/{branch.id}/new", data={"kind": "branch", "name": "x"}).status_code
        == 200
    )
    client.post(f"/org/units/{branch.id}/rename", data={"name": "第三党支部"})
    session.expire_all()
    assert branch.name == "第三党支部"
    page = client.get(f"/org/units/{branch.id}")
    assert "第三党支部" in page.text and "Renamed." in page.text
    clash = client.post(
        f"/org/units/{branch.id}/rename", data={"name": "第一支部"}, follow_redirects=True
    )
    assert "第一支部 exists already there." in clash.text
    session.expire_all()
    assert branch.name == "第三党支部"


def test_added_member_has_no_password_until_activated(client, login, session, org, app):
    login(org["staff"].user)
    response = client.post(
        f"/org/units/{org['group_a'].id}/members/new",
        data={
            "name": "新同志",
            "phone": "138 0013 8000",
            "status": "probationary",
            "joined_on": "2024-07-01",
            "group_id": str(org["group_a"].id),
        },
    )
    assert response.status_code == 302
    member = member_named(session, "新同志")
    assert response.location == f"/org/members/{member.id}"
    assert (member.user.phone, member.branch_id, member.group_id) == (
        "13800138000",
        org["branch_a"].id,
        org["group_a"].id,
    )
    page = client.get(response.location)
    assert "新同志 was added." in page.text
    assert "Probationary member" in page.text

    assert "activation code" in page.text and "6 digits" not in page.text
    assert "Show a new activation code" in page.text

    # No first password: the phone's last digits (or anything else) do not log in.
    newcomer = english(app.test_client())
    assert WRONG_LOGIN in post_login(newcomer, "13800138000", "138000").text
    assert newcomer.get("/").location.startswith("/login")


def test_double_submit_of_add_member_gives_a_clear_error(client, login, session, org):
    login(org["staff"].user)
    data = {"name": "重复", "phone": "13900001111", "status": "full", "group_id": "0"}
    url = f"/org/units/{org['branch_a'].id}/members/new"
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data)
    assert again.status_code == 200
    assert "The phone number 13900001111 belongs to someone else." in again.text
    assert len(session.scalars(select(User).where(User.phone == "13900001111")).all()) == 1


def test_racing_add_member_gives_a_clear_error_not_500(client, login, session, org, monkeypatch):
    """Two submits at once both pass the uniqueness check; the database decides."""
    login(org["staff"].user)
    data = {"name": "并发", "phone": "13900002222", "status": "full", "group_id": "0"}
    url = f"/org/units/{org['branch_a'].id}/members/new"
    assert client.post(url, data=data).status_code == 302
    monkeypatch.setattr(org_members, "_check_unique_login", lambda *a, **k: None)
    again = client.post(url, data=data)
    assert again.status_code == 200
    assert "belongs to someone else" in again.text
    assert len(session.scalars(select(User).where(User.phone == "13900002222")).all()) == 1
    # The session is still usable after the refused insert.
    assert client.get(f"/org/units/{org['branch_a'].id}").status_code == 200


def test_edit_member(client, login, session, make, org):
    member = make.member(org["branch_a"], name="旧名")
    login(org["staff"].user)
    form = client.get(f"/org/members/{member.id}/edit")
    assert 'value="旧名"' in form.text
    response = client.post(
        f"/org/members/{member.id}/edit",
        data={
            "name": "新名",
            "phone": member.user.phone,
            "member_no": "N-001",
            "status": "full",
            "position": "宣传委员",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/org/members/{member.id}")
    assert "新名" in page.text and "N-001" in page.text and "宣传委员" in page.text
    clash = client.post(
        f"/org/members/{member.id}/edit",
        data={"name": "新名", "phone": org["staff"].user.phone, "status": "full"},
    )
    assert clash.status_code == 200
    assert "belongs to someone else" in clash.text


def test_staff_cannot_change_another_staff_members_login_but_an_admin_can(
    client, login, session, make, org, app
):
    other_staff = make.member(
        org["branch_b"], name="另一干事", role=Role.STAFF, role_unit=org["committee"]
    )
    login_before = (other_staff.user.phone, other_staff.user.member_no)
    url = f"/org/members/{other_staff.id}/edit"
    login(org["staff"].user)
    form = client.get(url)
    assert re.search(r'<input[^>]*id="phone"[^>]*readonly', form.text)
    assert "Only an administrator may change the login" in form.text
    data = {"name": "改了名", "phone": "13911112222", "member_no": "X-9", "status": "full"}
    assert client.post(url, data=data).status_code == 302
    session.expire_all()
    # The name changed; the login did not.
    assert other_staff.user.name == "改了名"
    assert (other_staff.user.phone, other_staff.user.member_no) == login_before
    # Staff may change their own login, and a committee admin another staff member's.
    own = {"name": "组织干事", "phone": "13911113333", "status": "full"}
    assert client.post(f"/org/members/{org['staff'].id}/edit", data=own).status_code == 302
    committee_admin = make.member(org["branch_b"], role=Role.ADMIN, role_unit=org["committee"])
    admin_client = login(committee_admin.user, english(app.test_client()))
    assert "readonly" not in admin_client.get(url).text
    assert admin_client.post(url, data=data).status_code == 302
    session.expire_all()
    assert (org["staff"].user.phone, other_staff.user.phone) == ("13911113333", "13911112222")


def test_move_member_to_another_branch(client, login, session, make, org):
    member = make.member(org["branch_a"], name="要调走", role=Role.SECRETARY)
    login(org["staff"].user)
    form = client.get(f"/org/members/{member.id}/move")
    assert "第二支部" in form.text
    response = client.post(f"/org/members/{member.id}/move", data={"target": org["branch_b"].id})
    assert response.status_code == 302
    assert "要调走" in roster(client.get(f"/org/units/{org['branch_b'].id}").text)
    assert "要调走" not in roster(client.get(f"/org/units/{org['branch_a'].id}").text)
    assert (
        session.scalars(
            select(RoleAssignment).where(RoleAssignment.user_id == member.user_id)
        ).all()
        == []
    )


def test_deactivated_member_cannot_log_in(client, login, session, make, org, app):
    member = make.member(org["branch_a"], name="要停用")
    member_client = login(member.user, english(app.test_client()))
    assert member_client.get("/").status_code == 200
    login(org["staff"].user)
    response = client.post(f"/org/members/{member.id}/active", data={"value": "0"})
    assert response.status_code == 302
    assert "Inactive" in client.get(f"/org/members/{member.id}").text
    assert WRONG_LOGIN in post_login(english(app.test_client()), member.user.phone, PASSWORD).text
    # The session the member had open ends too.
    assert member_client.get("/").location.startswith("/login")
    client.post(f"/org/members/{member.id}/active", data={"value": "1"})
    assert post_login(english(app.test_client()), member.user.phone, PASSWORD).status_code == 302


def test_reset_password_shows_a_new_code_once_and_ends_sessions(
    client, login, session, make, org, app
):
    member = make.member(org["branch_a"], name="忘密码")
    phone = member.user.phone
    member_client = login(member.user, english(app.test_client()))
    assert member_client.get("/").status_code == 200
    login(org["staff"].user)
    page = client.get(f"/org/members/{member.id}")
    assert "Reset password" in page.text
    response = client.post(f"/org/members/{member.id}/reset-password")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="slip-code">([^<]+)<', response.text).group(1).strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert code not in client.get(f"/org/members/{member.id}").text
    # The member's open session is over, the old password no longer works…
    assert member_client.get("/").location.startswith("/login")
    assert WRONG_LOGIN in post_login(english(app.test_client()), phone, PASSWORD).text
    # …and the code lets them choose a new one (and logs them in).
    fresh = english(app.test_client())
    response = fresh.post(
        "/activate",
        data={"identifier": phone, "code": code, "new": "again2026x", "confirm": "again2026x"},
    )
    assert response.location == "/"
    assert fresh.get("/").status_code == 200


def test_staff_cannot_reset_another_staff_members_password_but_an_admin_can(
    client, login, session, make, org, app
):
    other_staff = make.member(
        org["branch_b"], name="另一干事", role=Role.STAFF, role_unit=org["committee"]
    )
    login(org["staff"].user)
    assert "Reset password" not in client.get(f"/org/members/{other_staff.id}").text
    before = other_staff.user.password_hash
    assert client.post(f"/org/members/{other_staff.id}/reset-password").status_code == 403
    session.expire_all()
    assert other_staff.user.password_hash == before
    # Nor their own through this page (they use the password change form).
    assert client.post(f"/org/members/{org['staff'].id}/reset-password").status_code == 403

    committee_admin = make.member(org["branch_b"], role=Role.ADMIN, role_unit=org["committee"])
    admin_client = login(committee_admin.user, english(app.test_client()))
    assert "Reset password" in admin_client.get(f"/org/members/{other_staff.id}").text
    assert admin_client.post(f"/org/members/{other_staff.id}/reset-password").status_code == 200
    system_admin = login(make.admin(), english(app.test_client()))
    assert system_admin.post(f"/org/members/{committee_admin.id}/reset-password").status_code == 200


def test_appointed_secretary_sees_my_branch(client, login, session, make, org, app):
    member = make.member(org["branch_b"], name="新书记")
    member_client = login(member.user, english(app.test_client()))
    assert f'href="/org/units/{org["branch_b"].id}"' not in member_client.get("/").text
    assert member_client.get(f"/org/units/{org['branch_b'].id}").status_code == 403
    old = make.member(org["branch_b"], name="老书记", role=Role.SECRETARY)

    login(org["staff"].user)
    response = client.post(
        f"/org/units/{org['branch_b'].id}/roles",
        data={"member_id": member.id, "role": "secretary"},
    )
    assert response.status_code == 302
    page = client.get(f"/org/units/{org['branch_b'].id}")
    assert "新书记 was appointed." in page.text
    roles = page.text.split('id="roles"', 1)[1].split("</ul>", 1)[0]
    assert "新书记" in roles and "老书记" not in roles

    home = member_client.get("/")
    assert ">Branch</a>" in home.text
    assert f'href="/org/units/{org["branch_b"].id}"' in home.text
    branch_page = member_client.get(f"/org/units/{org['branch_b'].id}")
    assert branch_page.status_code == 200
    assert "老书记" in roster(branch_page.text)
    old_client = login(old.user, english(app.test_client()))
    assert old_client.get(f"/org/units/{org['branch_b'].id}").status_code == 403


def test_only_admins_appoint_and_revoke_staff_and_admins(client, login, session, make, org, app):
    committee = org["committee"]
    staff = org["staff"]
    login(staff.user)
    page = client.get(f"/org/units/{committee.id}")
    assert 'value="admin"' not in page.text and 'value="staff"' not in page.text
    for role in ("admin", "staff"):
        response = client.post(
            f"/org/units/{committee.id}/roles", data={"member_id": staff.id, "role": role}
        )
        assert response.status_code in {302, 403}
    roles = set(
        session.scalars(select(RoleAssignment.role).where(RoleAssignment.user_id == staff.user_id))
    )
    assert roles == {Role.STAFF}

    committee_admin = make.member(org["branch_b"], role=Role.ADMIN, role_unit=committee)
    admin_role = session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == committee_admin.user_id)
    ).one()
    assert client.post(f"/org/roles/{admin_role.id}/revoke").status_code == 403
    assert session.get(RoleAssignment, admin_role.id) is not None

    admin_client = login(committee_admin.user, english(app.test_client()))
    newcomer = make.member(org["branch_b"], name="新干事")
    assert 'value="staff"' in admin_client.get(f"/org/units/{committee.id}").text
    response = admin_client.post(
        f"/org/units/{committee.id}/roles", data={"member_id": newcomer.id, "role": "staff"}
    )
    assert response.status_code == 302
    assert (
        session.scalar(
            select(RoleAssignment.role).where(RoleAssignment.user_id == newcomer.user_id)
        )
        == Role.STAFF
    )


def test_staff_cannot_deactivate_staff_or_themselves_but_an_admin_can(
    client, login, session, make, org, app
):
    other_staff = make.member(
        org["branch_b"], name="另一干事", role=Role.STAFF, role_unit=org["committee"]
    )
    login(org["staff"].user)
    assert "Deactivate" not in client.get(f"/org/members/{other_staff.id}").text
    for target in (other_staff, org["staff"]):
        response = client.post(f"/org/members/{target.id}/active", data={"value": "0"})
        assert response.status_code == 403
        session.expire_all()
        assert target.is_active and target.user.is_enabled
    plain = make.member(org["branch_b"])
    assert "Deactivate" in client.get(f"/org/members/{plain.id}").text

    committee_admin = make.member(org["branch_b"], role=Role.ADMIN, role_unit=org["committee"])
    admin_client = login(committee_admin.user, english(app.test_client()))
    assert "Deactivate" in admin_client.get(f"/org/members/{other_staff.id}").text
    response = admin_client.post(f"/org/members/{other_staff.id}/active", data={"value": "0"})
    assert response.status_code == 302
    session.expire_all()
    assert not other_staff.user.is_enabled
