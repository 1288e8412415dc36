"""The access matrix: who may open and change which roster page, for every org endpoint.

The endpoints come from the app's URL map, so a page added to the ``org``
blueprint later is either listed in ``RULES`` below (and then checked against
every actor) or fails ``test_every_org_endpoint_is_in_the_matrix``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from studyhub import create_app
from studyhub.accounts.models import User
from studyhub.extensions import db
from studyhub.org import access
from studyhub.org import services as org_services
from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment, UnitKind
from tests.conftest import NOW

# What each org endpoint needs: "staff" pages have no object and are for staff only
# (secretaries are sent to their branch); "view" pages are for anyone who may see the
# object (staff over it, the branch's secretary and committee members); "manage" pages
# are for committee staff over the object and system admins; "secretary" pages are also
# for the secretary of the branch (activation codes), not its committee members.
RULES: dict[str, str] = {
    "org.index": "staff",
    "org.unit": "view",
    "org.member": "view",
    "org.rename_unit": "manage",
    "org.new_unit": "manage",
    "org.new_member": "manage",
    "org.edit_member": "manage",
    "org.move_member": "manage",
    "org.set_member_active": "manage",
    "org.erase_member": "manage",
    "org.reset_password": "secretary",
    "org.activation_slips": "secretary",
    "org.appoint": "manage",
    "org.revoke": "manage",
    "org.import_members": "manage",
    "org.import_template": "manage",
}

ACTORS = [
    "anonymous",
    "secretary_a",
    "committee_member_a",
    "plain_member",
    "other_staff",
    "staff",
    "admin",
]


def english(client):
    """Pages in English (the source strings), whatever the default language's catalogue says."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _english_client(client):
    english(client)


def _org_rules() -> list[tuple[str, tuple[str, ...]]]:
    """(endpoint, methods) of every org page, read from a throwaway app's URL map."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("org."):
            methods = tuple(sorted(m for m in rule.methods or () if m in {"GET", "POST"}))
            out.append((rule.endpoint, methods))
    return sorted(out)


ORG_RULES = _org_rules()


@dataclass
class World:
    committee: OrgUnit
    general: OrgUnit
    branch_a: OrgUnit
    group_a: OrgUnit
    branch_b: OrgUnit
    group_b: OrgUnit
    member_a: Member
    member_b: Member
    secretary_b_role: RoleAssignment
    secretary_a_role: RoleAssignment
    actors: dict[str, User]

    def objects(self, side: str) -> dict[str, int]:
        """URL arguments for the objects of branch A or branch B."""
        if side == "a":
            return {
                "unit_id": self.branch_a.id,
                "member_id": self.member_a.id,
                "assignment_id": self.secretary_a_role.id,
            }
        return {
            "unit_id": self.branch_b.id,
            "member_id": self.member_b.id,
            "assignment_id": self.secretary_b_role.id,
        }

    def post_data(self, endpoint: str, side: str) -> dict[str, str]:
        """Form data that would change something if the view let it through."""
        member = self.member_a if side == "a" else self.member_b
        elsewhere = self.group_b if side == "a" else self.group_a
        return {
            "org.rename_unit": {"name": "改名了"},
            "org.new_unit": {"kind": UnitKind.GROUP.value, "name": "新小组"},
            "org.new_member": {
                "name": "新党员",
                "phone": "13700000001",
                "status": "full",
                "group_id": "0",
            },
            "org.edit_member": {
                "name": "改名党员",
                "phone": "13700000002",
                "member_no": "X1",
                "status": "probationary",
            },
            "org.move_member": {"target": str(elsewhere.id)},
            "org.set_member_active": {"value": "0"},
            "org.erase_member": {"typed_name": member.user.name, "understood": "y"},
            "org.reset_password": {},
            "org.appoint": {"member_id": str(member.id), "role": Role.SECRETARY.value},
            "org.revoke": {},
        }.get(endpoint, {})


@pytest.fixture
def world(make, session) -> World:
    committee = make.committee("市直机关工委")
    general = make.unit(committee, UnitKind.GENERAL_BRANCH, "第一党总支")
    branch_a = make.unit(general, UnitKind.BRANCH, "甲支部")
    group_a = make.unit(branch_a, UnitKind.GROUP, "甲一小组")
    branch_b = make.unit(committee, UnitKind.BRANCH, "乙支部")
    group_b = make.unit(branch_b, UnitKind.GROUP, "乙一小组")

    secretary_a = make.member(branch_a, name="甲书记", role=Role.SECRETARY)
    committee_member_a = make.member(
        branch_a, name="甲委员", group=group_a, role=Role.BRANCH_COMMITTEE
    )
    member_a = make.member(branch_a, name="甲党员", group=group_a)
    secretary_b = make.member(branch_b, name="乙书记", role=Role.SECRETARY)
    member_b = make.member(branch_b, name="乙党员", group=group_b)
    plain = make.member(branch_b, name="乙群众党员")
    staff = make.member(branch_a, name="工委干事", role=Role.STAFF, role_unit=committee)

    other_committee = make.committee("区委")
    other_branch = make.branch(other_committee, "外支部")
    other_staff = make.member(
        other_branch, name="外干事", role=Role.STAFF, role_unit=other_committee
    )
    admin = make.admin()

    def role_of(member: Member, unit: OrgUnit) -> RoleAssignment:
        return session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.user_id == member.user_id, RoleAssignment.unit_id == unit.id
            )
        ).one()

    return World(
        committee=committee,
        general=general,
        branch_a=branch_a,
        group_a=group_a,
        branch_b=branch_b,
        group_b=group_b,
        member_a=member_a,
        member_b=member_b,
        secretary_b_role=role_of(secretary_b, branch_b),
        secretary_a_role=role_of(secretary_a, branch_a),
        actors={
            "secretary_a": secretary_a.user,
            "committee_member_a": committee_member_a.user,
            "plain_member": plain.user,
            "other_staff": other_staff.user,
            "staff": staff.user,
            "admin": admin,
        },
    )


def snapshot(session) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused request changed nothing."""
    session.flush()
    return {
        table.name: sorted(tuple(row) for row in session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
    }


def build_url(app: Flask, endpoint: str, objects: dict[str, int]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    unknown = set(rule.arguments) - set(objects)
    assert not unknown, f"{endpoint}: teach the access matrix the URL argument(s) {unknown}"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: objects[k] for k in rule.arguments})


def client_for(app: Flask, login, world: World, actor: str):
    client = english(app.test_client())
    if actor != "anonymous":
        login(world.actors[actor], client)
    return client


def request(client, method: str, url: str, data: dict[str, str]):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data)


def test_every_org_endpoint_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("org.")}
    unlisted = endpoints - set(RULES)
    assert not unlisted, f"add these endpoints to RULES in {__file__}: {sorted(unlisted)}"
    # The matrix is not vacuous: the main pages are there.
    assert {"org.index", "org.unit", "org.member", "org.reset_password"} <= endpoints


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("endpoint", "methods"), ORG_RULES, ids=[e for e, _m in ORG_RULES])
def test_branch_b_objects(app, session, login, world, endpoint, methods, actor):
    """Every org page for branch B's unit, member and appointment, for every actor."""
    kind = RULES.get(endpoint)
    assert kind is not None, f"{endpoint} is not in the access matrix"
    url = build_url(app, endpoint, world.objects("b"))
    for method in methods:
        client = client_for(app, login, world, actor)
        before = snapshot(session)
        response = request(client, method, url, world.post_data(endpoint, "b"))
        where = f"{actor} {method} {url}"
        if actor == "anonymous":
            assert response.status_code == 302, where
            assert response.location.startswith("/login"), where
            assert snapshot(session) == before, where
        elif actor in {"staff", "admin"}:
            assert response.status_code in {200, 302}, where
        elif kind == "staff" and actor in {"secretary_a", "committee_member_a"}:
            # Secretaries and branch committee members are sent to their own branch.
            assert response.status_code == 302, where
            assert response.location == f"/org/units/{world.branch_a.id}", where
        elif kind == "staff" and actor == "other_staff":
            assert response.status_code == 200, where  # their own committee's tree
            assert world.committee.name not in response.text, where
            assert world.branch_b.name not in response.text, where
        else:
            assert response.status_code in {403, 404}, where
            assert world.branch_b.name not in response.text, where
            assert world.member_b.user.name not in response.text, where
            assert snapshot(session) == before, where


@pytest.mark.parametrize("actor", ["secretary_a", "committee_member_a"])
@pytest.mark.parametrize(("endpoint", "methods"), ORG_RULES, ids=[e for e, _m in ORG_RULES])
def test_branch_leaders_see_but_do_not_change_their_own_branch(
    app, session, login, world, endpoint, methods, actor
):
    """A's secretary and committee members open A's pages but change nothing (403).

    Except that A's secretary hands out A's activation codes (slips, a new code).
    """
    kind = RULES.get(endpoint)
    assert kind is not None, f"{endpoint} is not in the access matrix"
    url = build_url(app, endpoint, world.objects("a"))
    for method in methods:
        client = client_for(app, login, world, actor)
        before = snapshot(session)
        response = request(client, method, url, world.post_data(endpoint, "a"))
        where = f"{actor} {method} {url}"
        if kind == "secretary" and actor == "secretary_a":
            assert response.status_code == 200, where
            continue
        if kind == "view":
            assert response.status_code == 200, where
        elif kind == "staff":
            assert response.status_code == 302, where
        else:
            assert response.status_code == 403, where
        assert snapshot(session) == before, where


def test_secretary_sees_own_branch_members_not_others(app, session, login, world):
    client = client_for(app, login, world, "secretary_a")
    page = client.get(f"/org/units/{world.branch_a.id}")
    assert page.status_code == 200
    assert world.member_a.user.name in page.text
    assert world.member_b.user.name not in page.text
    # The general branch above A holds A but is not A's secretary's to see.
    assert client.get(f"/org/units/{world.general.id}").status_code == 403
    assert client.get(f"/org/units/{world.committee.id}").status_code == 403
    # A's group is inside A, so its page is open to A's secretary.
    assert client.get(f"/org/units/{world.group_a.id}").status_code == 200
    assert client.get(f"/org/units/{world.group_b.id}").status_code == 403
    member_page = client.get(f"/org/members/{world.member_a.id}")
    assert member_page.status_code == 200
    assert "Reset password" in member_page.text  # a new activation code, for their branch
    assert "Deactivate" not in member_page.text


def test_plain_member_sees_only_own_record(app, session, login, world):
    plain = world.actors["plain_member"]
    own = session.scalars(select(Member).where(Member.user_id == plain.id)).one()
    client = client_for(app, login, world, "plain_member")
    page = client.get(f"/org/members/{own.id}")
    assert page.status_code == 200
    assert plain.name in page.text
    assert "Edit" not in page.text and "Reset password" not in page.text
    assert client.get(f"/org/members/{world.member_b.id}").status_code == 403
    home = client.get("/")
    assert "/org/" not in home.text  # no link to the organisation pages


def test_unknown_objects_are_404_for_staff(app, session, login, world):
    client = client_for(app, login, world, "staff")
    assert client.get("/org/units/999999").status_code == 404
    assert client.get("/org/members/999999").status_code == 404
    assert client.post("/org/roles/999999/revoke").status_code == 404


def test_grants_read_roles_and_membership_in_one_statement(session, make, count_queries):
    committee = make.committee()
    branch, other = make.branch(committee), make.branch(committee)
    member = make.member(branch, role=Role.SECRETARY)
    org_services.appoint(session, member.user, committee, Role.STAFF, by=None, now=NOW)
    org_services.appoint(session, member.user, other, Role.BRANCH_COMMITTEE, by=None, now=NOW)
    other.is_active = False  # a role on a closed unit grants nothing
    session.flush()
    with count_queries() as statements:
        grants = access.grants_for(session, member.user)
    assert len(statements) == 1
    assert [(s.role, s.unit_id) for s in grants.scopes] == [
        (Role.SECRETARY, branch.id),
        (Role.STAFF, committee.id),
    ]
    assert grants.member_path == member.org_path
    assert [s.unit_name for s in grants.led_units] == [branch.name]


def test_grants_of_a_former_member_keep_the_roles_only(session, make):
    branch = make.branch()
    member = make.member(branch, role=Role.SECRETARY)
    org_services.set_member_active(member, is_active=False, actor_id=None, now=NOW)
    session.flush()
    grants = access.grants_for(session, member.user)
    assert grants.member_path is None
    assert not grants.is_member
    assert [s.role for s in grants.scopes] == [Role.SECRETARY]
