"""A branch's activation slips and a member's new code: who may, what is printed, what is
recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from studyhub.accounts import services as accounts
from studyhub.accounts.models import ActivationCode
from studyhub.audit.models import AuditEntry
from studyhub.org.models import Role, UnitKind
from tests.conftest import NOW, PASSWORD

SLIP = re.compile(
    r'<article class="slip">.*?class="slip-name">([^<]+)<.*?class="slip-login">([^<]+)<'
    r'.*?class="slip-code">([^<]+)<.*?<a class="slip-qr" href="([^"]+)"[^>]*><svg',
    re.S,
)


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _english_client(client):
    english(client)


@pytest.fixture
def branch(make):
    committee = make.committee("科技党委")
    branch = make.unit(committee, UnitKind.BRANCH, "甲支部")
    group = make.unit(branch, UnitKind.GROUP, "甲一小组")
    other = make.unit(committee, UnitKind.BRANCH, "乙支部")
    return {
        "committee": committee,
        "branch": branch,
        "other": other,
        "secretary": make.member(branch, name="甲书记", role=Role.SECRETARY),
        "committee_member": make.member(branch, name="甲委员", role=Role.BRANCH_COMMITTEE),
        "settled": make.member(branch, name="老党员"),
        "new_one": make.member(branch, name="新党员一", password=None),
        "new_two": make.member(branch, name="新党员二", group=group, password=None),
        "stranger": make.member(other, name="乙新党员", password=None),
        "other_secretary": make.member(other, name="乙书记", role=Role.SECRETARY),
        "staff": make.member(other, name="干事", role=Role.STAFF, role_unit=committee),
    }


def slips(html: str) -> list[tuple[str, str, str, str]]:
    return SLIP.findall(html)


def entries(session, kind: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.kind == kind)))


def test_the_secretary_prints_one_slip_per_member_not_yet_activated(client, login, session, branch):
    login(branch["secretary"].user)
    unit_page = client.get(f"/org/units/{branch['branch'].id}")
    assert f"/org/units/{branch['branch'].id}/activation-slips" in unit_page.text
    page = client.get(f"/org/units/{branch['branch'].id}/activation-slips")
    assert page.status_code == 200
    assert "2 members have not activated their account yet." in page.text

    response = client.post(f"/org/units/{branch['branch'].id}/activation-slips")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    printed = slips(response.text)
    assert [(name, login_) for name, login_, _code, _link in printed] == sorted(
        [
            ("新党员一", branch["new_one"].user.phone),
            ("新党员二", branch["new_two"].user.phone),
        ]
    )
    assert response.text.count('class="qr"') == 2
    for _name, login_, code, link in printed:
        assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", code)
        assert link == f"http://localhost/activate?login={login_}#{code.replace('-', '')}"
    assert "乙新党员" not in response.text and "老党员" not in response.text
    # The printed codes work.
    name, login_, code, _link = printed[0]
    user = accounts.activate_account(
        session,
        login_,
        code,
        "mine2026ok",
        now=NOW,
        key="testing-secret-key",
        method="pbkdf2:sha256:1000",
        min_length=8,
    )
    assert user.name == name


def test_slips_for_everyone_keep_passwords(client, login, session, branch):
    login(branch["staff"].user)
    response = client.post(
        f"/org/units/{branch['branch'].id}/activation-slips", data={"everyone": "y"}
    )
    names = [name for name, *_rest in slips(response.text)]
    # Everyone but staff (whose passwords only admins reset).
    assert sorted(names) == sorted(["甲书记", "甲委员", "老党员", "新党员一", "新党员二"])
    assert accounts.authenticate(session, branch["settled"].user.phone, PASSWORD)


def test_printing_again_replaces_the_codes(client, login, session, branch):
    login(branch["secretary"].user)
    url = f"/org/units/{branch['branch'].id}/activation-slips"
    first = dict((login_, code) for _n, login_, code, _l in slips(client.post(url).text))
    second = dict((login_, code) for _n, login_, code, _l in slips(client.post(url).text))
    assert first.keys() == second.keys()
    assert session.scalars(select(ActivationCode)).all().__len__() == 2
    phone = branch["new_one"].user.phone
    if first[phone] != second[phone]:
        with pytest.raises(accounts.WrongActivationCode):
            accounts.activate_account(
                session,
                phone,
                first[phone],
                "mine2026ok",
                now=NOW,
                key="testing-secret-key",
                method="pbkdf2:sha256:1000",
                min_length=8,
            )


def test_issuing_is_recorded_without_the_codes(client, login, session, branch):
    login(branch["secretary"].user)
    response = client.post(f"/org/units/{branch['branch'].id}/activation-slips")
    codes = [code for _n, _l, code, _link in slips(response.text)]
    issued = entries(session, "account.code_issued")
    assert sorted(e.object_id for e in issued) == sorted(
        [branch["new_one"].id, branch["new_two"].id]
    )
    for entry in issued:
        assert entry.actor_id == branch["secretary"].user_id
        assert entry.scope_path == branch["branch"].path
        assert entry.branch_id == branch["branch"].id
        text = repr((entry.summary, entry.details, entry.changes))
        assert not any(c in text or c.replace("-", "") in text for c in codes)


@pytest.mark.parametrize("who", ["other_secretary", "committee_member", "settled"])
def test_others_may_not_print_a_branchs_slips(client, login, session, branch, who):
    login(branch[who].user)
    url = f"/org/units/{branch['branch'].id}/activation-slips"
    assert client.get(url).status_code in {403, 404}
    response = client.post(url)
    assert response.status_code in {403, 404}
    assert "新党员一" not in response.text
    assert session.scalars(select(ActivationCode)).all() == []
    assert entries(session, "account.code_issued") == []


def test_slips_only_for_branches(client, login, branch):
    login(branch["staff"].user)
    assert client.get(f"/org/units/{branch['committee'].id}/activation-slips").status_code == 404


def test_the_secretary_resets_a_members_password_with_a_code_shown_once(
    client, login, session, branch, app
):
    settled = branch["settled"]
    login(branch["secretary"].user)
    page = client.get(f"/org/members/{settled.id}")
    assert "Reset password (new activation code)" in page.text

    response = client.post(f"/org/members/{settled.id}/reset-password")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    ((name, login_, code, _link),) = slips(response.text)
    assert (name, login_) == ("老党员", settled.user.phone)
    assert code not in client.get(f"/org/members/{settled.id}").text
    session.expire_all()
    assert accounts.authenticate(session, settled.user.phone, PASSWORD) is None
    (entry,) = entries(session, "account.password_reset")
    assert (entry.object_id, entry.scope_path) == (settled.id, branch["branch"].path)
    # A member without a password yet gets "a new code" (recorded as a code issued).
    new_one = branch["new_one"]
    new_page = client.get(f"/org/members/{new_one.id}").text
    assert "Show a new activation code" in new_page and "Not activated yet" in new_page
    assert client.post(f"/org/members/{new_one.id}/reset-password").status_code == 200
    assert [e.object_id for e in entries(session, "account.code_issued")] == [new_one.id]


def test_a_secretary_may_not_reset_others(client, login, session, make, branch):
    login(branch["secretary"].user)
    # Another branch's member, a staff member of their own branch, and themselves.
    staff_here = make.member(
        branch["branch"], name="本支部干事", role=Role.STAFF, role_unit=branch["committee"]
    )
    for member in (branch["stranger"], staff_here, branch["secretary"]):
        response = client.post(f"/org/members/{member.id}/reset-password")
        assert response.status_code in {403, 404}, member.user.name
    assert session.scalars(select(ActivationCode)).all() == []
    assert entries(session, "account.password_reset") == []
    # The branch committee member sees the branch but hands out no codes.
    login(branch["committee_member"].user)
    assert client.post(f"/org/members/{branch['new_one'].id}/reset-password").status_code == 403
