"""Plan pages: what members, secretaries and staff see; editing, publishing, sharing, posters."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest
import segno
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.notify.models import Message
from studyhub.org.models import Role
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.plans.services import plans
from studyhub.quizzes.models import QuizAssignment
from tests.conftest import NOW, PASSWORD
from tests.plans.plan_helpers import TZ, attempt, make_exam, make_plan, readings, study


@pytest.fixture
def today() -> date:
    return clock.local_today(TZ)


@pytest.fixture
def world(session, org, today):
    """A published plan for the general branch with two materials and a test."""
    quiz = make_exam(session, org.committee, title="第四季度测试")
    first, second = readings(session, org.committee, 2)
    plan = make_plan(
        session,
        org.committee,
        materials=[first, second],
        quiz=quiz,
        targets=[org.general],
        today=today,
    )
    return plan, quiz, first, second


def between(text: str, start: str, end: str = "</section>") -> str:
    assert start in text, f"{start!r} not in page"
    return text.split(start, 1)[1].split(end, 1)[0]


# --- members ------------------------------------------------------------------------------------


def test_member_sees_materials_progress_the_test_and_the_next_step(
    client, login, session, org, world
):
    plan, quiz, first, second = world
    study(session, org.member, first, clock.now_utc() - timedelta(minutes=1))
    login(org.member.user)

    page = client.get(f"/plans/{plan.id}")

    assert page.status_code == 200
    mine = between(page.text, 'id="my-progress"')
    assert "Materials studied 1/2" in mine
    assert f'href="/readings/{second.id}"' in between(mine, 'id="next-step"', "</div>")
    materials = between(page.text, 'id="materials"')
    assert materials.index(f'href="/readings/{first.id}"') < materials.index(
        f'href="/readings/{second.id}"'
    )
    assert between(materials, f'data-reading="{first.id}"', "</li>").count("✓ Studied") == 1
    assert "Not studied yet" in between(materials, f'data-reading="{second.id}"', "</li>")
    test = between(page.text, 'id="test"')
    assert "第四季度测试" in test and "Not started" in test
    assert f'href="/quizzes/{quiz.id}"' in test
    assert "<strong>认真学习</strong>" in between(page.text, 'id="guidance"')
    assert 'id="manage"' not in page.text


def test_passed_member_sees_done_and_no_start_button(client, login, session, org, world):
    plan, quiz, first, second = world
    for reading in (first, second):
        study(session, org.member, reading, clock.now_utc() - timedelta(minutes=1))
    attempt(session, quiz, org.member, 92.5)
    login(org.member.user)

    page = client.get(f"/plans/{plan.id}")

    assert 'id="plan-done"' in page.text
    assert "Passed · best 92.50%" in between(page.text, 'id="test"')
    assert 'id="start-test"' not in page.text


def result_actions(client, attempt_row) -> str:
    page = client.get(f"/quizzes/attempts/{attempt_row.id}/result")
    return between(page.text, 'id="result-actions"', "</p>")


def test_the_tests_result_page_leads_back_to_the_plan(client, login, session, org, make, world):
    plan, quiz, _first, _second = world
    mine = attempt(session, quiz, org.member, 92.5)
    login(org.member.user)

    actions = between(
        client.get(f"/quizzes/attempts/{mine.id}/result").text, 'id="result-actions"', "</p>"
    )

    assert f'href="/plans/{plan.id}"' in actions
    assert "Back to the plan: " + plan.title in actions
    # A quiz that no plan of the member's uses offers no such link.
    other = make_exam(session, org.committee, title="另一场测试")
    theirs = attempt(session, other, org.member, 80)
    actions = between(
        client.get(f"/quizzes/attempts/{theirs.id}/result").text, 'id="result-actions"', "</p>"
    )
    assert "/plans/" not in actions


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_members_the_plan_is_not_for_get_not_found(client, login, make, org, world, who):
    plan = world[0]
    person = org.outsider if who == "outsider" else make.member(make.branch())
    login(person.user)

    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}/share").status_code == 404


def test_drafts_are_hidden_from_members_but_not_from_staff(client, login, session, org, today):
    draft = make_plan(
        session,
        org.committee,
        materials=readings(session, org.committee, 1),
        targets=[org.branch],
        publish=False,
        today=today,
    )
    login(org.member.user)
    assert client.get(f"/plans/{draft.id}").status_code == 404
    assert client.get("/plans/").text.count("data-plan=") == 0

    login(org.staff.user)
    page = client.get(f"/plans/{draft.id}")
    assert page.status_code == 200
    assert 'id="publish"' in page.text


def test_my_plans_by_due_date_with_progress(client, login, session, org, world, today):
    plan = world[0]
    sooner = make_plan(
        session,
        org.committee,
        materials=readings(session, org.committee, 1),
        targets=[org.branch],
        title="专题学习",
        today=today,
        due_on=today + timedelta(days=2),
    )
    login(org.member.user)

    page = client.get("/plans/")

    listing = between(page.text, 'id="my-plans"', "</ul>")
    assert listing.index(f'data-plan="{sooner.id}"') < listing.index(f'data-plan="{plan.id}"')
    assert "Materials studied 0/2" in between(listing, f'data-plan="{plan.id}"', "</li>")


def test_home_shows_one_to_do_section_with_the_due_plans(client, login, session, org, world):
    plan, _quiz, first, _second = world
    login(org.member.user)

    page = client.get("/")

    assert page.text.count('id="tasks"') == 1
    tasks = between(page.text, 'id="tasks"')
    assert f'data-plan="{plan.id}"' in tasks
    assert f'href="/readings/{first.id}"' in tasks  # the next thing to do
    assert "Materials studied 0/2" in tasks

    login(org.outsider.user)
    page = client.get("/")
    assert page.text.count('id="tasks"') == 1
    assert "Nothing is due. Well done." in between(page.text, 'id="tasks"')


# --- the share link -----------------------------------------------------------------------------


def test_the_share_link_asks_to_log_in_and_lands_on_the_plan(client, org, world):
    plan = world[0]
    link = f"/plans/{plan.id}?branch={org.branch.id}"

    first = client.get(link)
    assert first.status_code == 302
    login_url = first.headers["Location"]
    assert login_url == f"/login?next={quote(link, safe='')}"

    landed = client.post(
        login_url, data={"identifier": org.member.user.phone, "password": PASSWORD}
    )
    assert landed.status_code == 302
    assert landed.headers["Location"] == link
    page = client.get(link)
    assert page.status_code == 200
    assert org.branch.name in between(page.text, 'id="shared-branch"', "</p>")
    assert "Materials studied 0/2" in page.text


def test_share_page_offers_each_leader_their_branch(client, login, org, world):
    plan = world[0]
    login(org.secretary.user)
    page = client.get(f"/plans/{plan.id}/share")
    links = between(page.text, 'id="share-links"', "</ul>")
    assert f"http://localhost/plans/{plan.id}?branch={org.branch.id}" in links
    assert f'data-branch="{org.other.id}"' not in links
    assert f'value="http://localhost/plans/{plan.id}"' not in links

    login(org.staff.user)
    links = between(client.get(f"/plans/{plan.id}/share").text, 'id="share-links"', "</ul>")
    assert f'value="http://localhost/plans/{plan.id}"' in links
    assert f'data-branch="{org.branch.id}"' in links and f'data-branch="{org.other.id}"' in links
    assert f'data-branch="{org.outside.id}"' not in links

    login(org.member.user)
    assert client.get(f"/plans/{plan.id}/share").status_code == 403


def test_poster_shows_the_branchs_due_date_and_the_qr_code_of_its_link(
    client, login, session, org, world
):
    plan = world[0]
    extended = plan.due_on + timedelta(days=7)
    plans.grant_extension(
        session,
        plan,
        branch=org.branch,
        due_on=extended,
        reason="集中学习",
        by_user_id=None,
        now=NOW,
    )
    login(org.secretary.user)

    page = client.get(f"/plans/{plan.id}/poster?branch={org.branch.id}&size=phone")

    url = f"http://localhost/plans/{plan.id}?branch={org.branch.id}"
    expected_svg = segno.make(url, error="m").svg_inline(
        border=2, omitsize=True, svgclass="qr", lineclass=None
    )
    poster = between(page.text, 'id="poster"', "</article>")
    assert "poster-phone" in page.text
    assert plan.title in poster
    assert org.branch.name in between(poster, 'id="poster-branch"', "</span>")
    assert f"{extended.year}" in between(poster, 'id="poster-due"', "</p>")
    assert f"{extended.day}" in between(poster, 'id="poster-due"', "</p>")
    assert between(poster, 'id="poster-url">', "</p>") == url
    assert expected_svg in between(poster, 'id="poster-qr">', "</div>")
    # Another branch's poster, or the whole plan's, is not the secretary's to print.
    assert client.get(f"/plans/{plan.id}/poster?branch={org.other.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}/poster").status_code == 404

    login(org.staff.user)
    whole = client.get(f"/plans/{plan.id}/poster")
    assert whole.status_code == 200 and "poster-a4" in whole.text
    own_url = f"http://localhost/plans/{plan.id}"
    assert (
        segno.make(own_url, error="m").svg_inline(
            border=2, omitsize=True, svgclass="qr", lineclass=None
        )
        in whole.text
    )


# --- staff --------------------------------------------------------------------------------------


def test_staff_write_a_plan_and_publish_it(client, login, session, org, today):
    quiz = make_exam(session, org.committee, title="第四季度测试")
    a, b = readings(session, org.committee, 2)
    login(org.staff.user)

    form = client.get(f"/plans/new?committee={org.committee.id}")
    assert 'value="2026' in form.text or f'value="{today.year}' in form.text
    created = client.post(
        f"/plans/new?committee={org.committee.id}",
        data={
            "title": "2026年第四季度主题学习",
            "year": "2026",
            "quarter": "4",
            "starts_on": today.isoformat(),
            "due_on": (today + timedelta(days=20)).isoformat(),
            "guidance": "学习**党章**",
            "quiz_id": str(quiz.id),
        },
    )
    plan = session.scalars(
        select(StudyPlan).where(StudyPlan.committee_id == org.committee.id)
    ).one()
    assert created.headers["Location"] == f"/plans/{plan.id}/materials"

    search = client.get(f"/plans/{plan.id}/materials?q=学习材料2")
    assert f'data-reading="{b.id}"' in between(search.text, 'id="found"', "</ul>")
    assert f'data-reading="{a.id}"' not in between(search.text, 'id="found"', "</ul>")
    for reading in (a, b):
        client.post(f"/plans/{plan.id}/materials", data={"reading_id": str(reading.id)})
    client.post(f"/plans/{plan.id}/materials/{b.id}/move", data={"direction": "up"})
    order = session.scalars(
        select(PlanMaterial.reading_id)
        .where(PlanMaterial.plan_id == plan.id)
        .order_by(PlanMaterial.position)
    ).all()
    assert order == [b.id, a.id]

    draft_page = client.get(f"/plans/{plan.id}")
    assert "Choose the units the plan is for." in between(
        draft_page.text, 'id="publish-problems"', "</ul>"
    )

    client.post(f"/plans/{plan.id}/targets", data={"unit_ids": [str(org.branch.id)]})
    assert session.scalars(
        select(PlanTarget.unit_id).where(PlanTarget.plan_id == plan.id)
    ).all() == [org.branch.id]
    done = client.post(f"/plans/{plan.id}/publish", follow_redirects=True)
    assert "The plan is published; its members have been told." in done.text
    session.refresh(plan)
    assert plan.published_at is not None
    told = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.dedupe_key == f"plan-published:{plan.id}")
    )
    assert told == 4  # staff, secretary, member, mate: the branch
    assert (
        session.scalar(select(QuizAssignment.unit_id).where(QuizAssignment.quiz_id == quiz.id))
        == org.branch.id
    )
    assert "branch-summary" in done.text


def test_bad_plan_fields_are_said_on_the_form(client, login, org, today):
    login(org.staff.user)

    page = client.post(
        f"/plans/new?committee={org.committee.id}",
        data={
            "title": "计划",
            "year": "2026",
            "quarter": "4",
            "starts_on": today.isoformat(),
            "due_on": today.isoformat(),
            "quiz_id": "0",
        },
    )

    assert page.status_code == 200
    assert "The due date must be after the start date." in page.text


def test_only_the_committees_staff_change_a_plan(client, login, make, org, world):
    plan = world[0]
    login(org.member.user)
    assert client.get(f"/plans/{plan.id}/edit").status_code == 403
    assert client.post(f"/plans/{plan.id}/publish").status_code == 403

    other = make.committee()
    other_staff = make.member(make.branch(other), role=Role.STAFF, role_unit=other)
    login(other_staff.user)
    assert client.get(f"/plans/{plan.id}/edit").status_code == 404
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get("/plans/manage").text.count("data-plan=") == 0


def test_extensions_need_a_reason_and_show_who_and_when(client, login, session, org, world):
    plan = world[0]
    login(org.staff.user)
    later = (plan.due_on + timedelta(days=5)).isoformat()

    refused = client.post(
        f"/plans/{plan.id}/extensions/branch",
        data={"branch-branch_id": str(org.branch.id), "branch-due_on": later, "branch-reason": ""},
    )
    assert refused.status_code == 400
    assert "Give the reason." in refused.text

    client.post(
        f"/plans/{plan.id}/extensions/member",
        data={
            "member-identifier": org.mate.user.phone,
            "member-due_on": later,
            "member-reason": "外出培训",
        },
    )
    page = client.get(f"/plans/{plan.id}/extensions")
    listed = between(page.text, 'id="extensions"', "</ul>")
    assert "党员乙" in listed and "外出培训" in listed
    assert f"by {org.staff.user.name}" in listed

    login(org.mate.user)
    assert "extended" in between(client.get(f"/plans/{plan.id}").text, 'id="due-on"', "</dd>")


def test_the_staff_plan_page_runs_as_many_statements_at_10_and_at_200_members(
    client, login, session, make, org, world, count_queries
):
    plan, quiz, first, _second = world
    login(org.staff.user)

    def grow_to(size: int) -> list[str]:
        while len(made) < size:
            member = make.member(org.branch if len(made) % 2 else org.other)
            if len(made) % 5 == 0:
                study(session, member, first, clock.now_utc() - timedelta(minutes=1))
                attempt(session, quiz, member, 70)
            made.append(member)
        session.expire_all()
        with count_queries() as statements:
            page = client.get(f"/plans/{plan.id}")
        assert page.status_code == 200
        row = between(page.text, f'data-branch="{org.other.id}"', "</tr>")
        assert f"<td>{(size + 1) // 2 + 1}</td>" in row  # its members: half the new ones + 1
        return statements

    made: list = []
    few = grow_to(10)
    many = grow_to(200)

    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 12, "\n".join(many)


def test_poster_png_carries_the_qr_code_of_the_branch_link(client, login, org, world):
    import io

    from PIL import Image

    from studyhub.plans.services import poster

    plan = world[0]
    login(org.secretary.user)
    answer = client.get(f"/plans/{plan.id}/poster.png?branch={org.branch.id}")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert "attachment" in answer.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(answer.data)).convert("RGB")
    assert image.size == (poster.WIDTH, poster.HEIGHT)
    url = f"http://localhost/plans/{plan.id}?branch={org.branch.id}"
    matrix = [list(row) for row in segno.make(url, error="m").matrix_iter(border=2)]
    cell = poster.QR_SIDE / len(matrix)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            x = int(poster.QR_LEFT + (c + 0.5) * cell)
            y = int(poster.QR_TOP + (r + 0.5) * cell)
            assert (sum(image.getpixel((x, y))) < 200) == bool(dark), (r, c)
    # The whole plan's picture is staff's, as the HTML poster.
    assert client.get(f"/plans/{plan.id}/poster.png").status_code == 404
    assert client.get(f"/plans/{plan.id}/poster.png?branch={org.other.id}").status_code == 404


def test_share_page_has_copy_share_and_card(client, login, org, world):
    plan = world[0]
    login(org.secretary.user)
    page = client.get(f"/plans/{plan.id}/share").text
    assert 'class="button primary copy-link"' in page and "js/share.js" in page
    assert f'href="/plans/{plan.id}/poster.png?branch={org.branch.id}"' in page
    assert f'<meta property="og:title" content="{plan.title}">' in page
    assert 'property="og:image" content="http://localhost/static/icons/icon-512.png?v=' in page
    card = client.get(f"/plans/{plan.id}").text
    assert f'<meta property="og:title" content="{plan.title}">' in card


def test_poster_font_falls_back_without_a_cjk_font(tmp_path):
    from studyhub.plans.services import poster

    text = poster.PosterText(
        committee="党委", branch=None, title="学习", due="x", hint="y", url="http://a/b"
    )
    assert poster.poster_png(text, font=str(tmp_path / "none.ttf")).startswith(b"\x89PNG")
