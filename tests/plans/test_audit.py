"""Publishing a plan, changing a published one and its deadline extensions are recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from studyhub.core.clock import as_utc
from studyhub.plans.services import plans
from tests.audit_helpers import assert_in, entries, one_entry
from tests.conftest import NOW
from tests.plans.plan_helpers import make_plan, readings


def test_publishing_is_recorded_once_at_the_committee(session, org):
    plan = make_plan(
        session,
        org.committee,
        materials=readings(session, org.committee, 1),
        targets=[org.general],
        publish=False,
    )
    told = plans.publish_plan(session, plan, now=NOW, actor_id=org.staff.user_id)
    plans.publish_plan(session, plan, now=NOW, actor_id=org.staff.user_id)  # tells nobody
    entry = one_entry(session, "plan.published")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        org.staff.user_id,
        "study_plan",
        plan.id,
    )
    assert as_utc(entry.at) == NOW and entry.summary == plan.title
    assert_in(entry, org.committee)
    assert entry.changes == {"published_at": [None, NOW.isoformat()]}
    assert entry.details == {"targets": [org.general.name], "told": told}


def test_changes_to_a_published_plan_are_recorded_and_a_draft_s_are_not(session, org):
    first, second = readings(session, org.committee, 2)
    draft = make_plan(session, org.committee, materials=[first], publish=False)
    plans.update_plan(
        session,
        draft,
        replace(plans.fields_of(draft), title="草稿"),
        now=NOW,
        actor_id=org.staff.user_id,
    )
    plans.add_material(session, draft, second.id, now=NOW, actor_id=org.staff.user_id)
    plans.set_targets(session, draft, [org.branch.id], now=NOW, actor_id=org.staff.user_id)
    assert entries(session, "plan.changed") == []

    plan = make_plan(session, org.committee, materials=[first], targets=[org.branch])
    old_due = plan.due_on
    new_due = old_due + timedelta(days=5)
    plans.update_plan(
        session,
        plan,
        replace(plans.fields_of(plan), due_on=new_due, guidance_markdown="新的指导"),
        now=NOW,
        actor_id=org.staff.user_id,
    )
    plans.add_material(session, plan, second.id, now=NOW, actor_id=org.staff.user_id)
    plans.remove_material(session, plan, first.id, now=NOW, actor_id=org.staff.user_id)
    plans.set_targets(
        session, plan, [org.branch.id, org.other.id], now=NOW, actor_id=org.staff.user_id
    )
    # Saving the same again records nothing.
    plans.set_targets(
        session, plan, [org.branch.id, org.other.id], now=NOW, actor_id=org.staff.user_id
    )
    plans.update_plan(session, plan, plans.fields_of(plan), now=NOW, actor_id=org.staff.user_id)
    changed = entries(session, "plan.changed")
    assert {(e.actor_id, e.object_id) for e in changed} == {(org.staff.user_id, plan.id)}
    for entry in changed:
        assert_in(entry, org.committee)
    assert [e.changes for e in changed] == [
        {
            "due_on": [old_due.isoformat(), new_due.isoformat()],
            "guidance_length": [len("**认真学习**"), len("新的指导")],
        },
        {"materials": [[first.title], [first.title, second.title]]},
        {"materials": [[first.title, second.title], [second.title]]},
        {"targets": [[org.branch.name], sorted([org.branch.name, org.other.name])]},
    ]


def test_an_extension_and_its_withdrawal_are_recorded_in_the_branch(session, org):
    plan = make_plan(session, org.committee, materials=readings(session, org.committee, 1))
    later = plan.due_on + timedelta(days=7)
    for_branch = plans.grant_extension(
        session,
        plan,
        branch=org.other,
        due_on=later,
        reason="会议冲突",
        by_user_id=org.staff.user_id,
        now=NOW,
    )
    plans.grant_extension(
        session,
        plan,
        member=org.member,
        due_on=later,
        reason="出差",
        by_user_id=org.staff.user_id,
        now=NOW,
    )
    to_branch, to_member = entries(session, "plan.extension_granted")
    assert_in(to_branch, org.other)
    assert to_branch.actor_id == org.staff.user_id and to_branch.object_id == plan.id
    assert to_branch.changes == {"due_on": [plan.due_on.isoformat(), later.isoformat()]}
    assert to_branch.details == {"branch": org.other.name, "reason": "会议冲突"}
    assert_in(to_member, org.branch)  # the member's branch
    assert to_member.details == {
        "member": org.member.user.name,
        "member_id": org.member.id,
        "reason": "出差",
    }

    plans.revoke_extension(session, plan, for_branch.id, actor_id=org.staff.user_id, now=NOW)
    withdrawn = one_entry(session, "plan.extension_revoked")
    assert_in(withdrawn, org.other)
    assert withdrawn.actor_id == org.staff.user_id
    assert withdrawn.changes == {"due_on": [later.isoformat(), plan.due_on.isoformat()]}


def test_the_pages_record_their_acts_with_the_signed_in_actor(session, org, client, login):
    first, second = readings(session, org.committee, 2)
    plan = make_plan(session, org.committee, materials=[first], targets=[org.branch], publish=False)
    session.commit()
    login(org.staff.user)
    client.post(f"/plans/{plan.id}/publish")
    client.post(f"/plans/{plan.id}/materials", data={"reading_id": str(second.id)})
    assert one_entry(session, "plan.published").actor_id == org.staff.user_id
    changed = one_entry(session, "plan.changed")
    assert changed.actor_id == org.staff.user_id
    assert changed.changes == {"materials": [[first.title], [first.title, second.title]]}
