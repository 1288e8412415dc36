"""Dashboards: the branch table (contents, order, filters), who may see what, reminders,
the printed page, the ranking of branches with its trend, a member's quarter, the home panel.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.notify.models import Message
from studyhub.org.models import UnitKind
from studyhub.plans.models import PlanReminder
from studyhub.reports import queries
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import dashboards
from tests.conftest import NOW
from tests.plans.plan_helpers import make_plan
from tests.reports import helpers
from tests.reports.dashboard_helpers import A_ORDER, Board, build

TODAY = date(2026, 11, 20)
Q4 = Quarter(2026, 4)


@pytest.fixture
def board(session, make) -> Board:
    return build(session, make)


@pytest.fixture
def frozen(monkeypatch):
    """Pages see NOW as the current time."""
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)


def names(found: dashboards.BranchDashboard) -> list[str]:
    return [row.progress.name for row in found.rows]


def user_order(html: str, table_id: str, attribute: str = "data-user") -> list[int]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(rf'{attribute}="(\d+)"', table)]


def row_html(html: str, user_id: int) -> str:
    return html.split(f'data-user="{user_id}"', 1)[1].split("</tr>", 1)[0]


# The branch table ------------------------------------------------------------------------------


def test_branch_table_puts_who_needs_a_nudge_first(session, board):
    found = dashboards.branch_dashboard(session, board.plan, board.branch_a)

    assert names(found) == A_ORDER  # the inactive member is not listed
    assert [row.status for row in found.rows] == [
        queries.NOT_STARTED,
        queries.IN_PROGRESS,
        queries.IN_PROGRESS,
        queries.IN_PROGRESS,
        queries.FAILED,
        queries.DONE,
        queries.DONE,
    ]
    assert found.counts.by_status == {
        queries.NOT_STARTED: 1,
        queries.IN_PROGRESS: 3,
        queries.FAILED: 1,
        queries.DONE: 2,
    }
    assert found.counts.members == 7
    assert found.counts.completion == Decimal("28.6")


def test_branch_table_rows_say_what_each_member_did(session, board):
    rows = {
        r.progress.name: r.progress
        for r in dashboards.branch_dashboard(session, board.plan, board.branch_a).rows
    }

    assert (rows["李一篇"].materials_studied, rows["李一篇"].materials_total) == (1, 3)
    assert rows["李一篇"].test_status == "not_started"
    assert rows["李一篇"].best_percent is None
    assert rows["李一篇"].last_activity_at == NOW - timedelta(days=3)
    assert rows["张未动"].last_activity_at is None
    assert (rows["赵未过"].materials_studied, rows["赵未过"].test_status) == (3, "failed")
    assert rows["赵未过"].best_percent == Decimal("40.00")
    assert rows["孙在考"].test_status == "in_progress"
    assert (rows["钱完成"].best_percent, rows["钱完成"].is_complete) == (Decimal("85.00"), True)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (queries.NOT_STARTED, ["张未动"]),
        (queries.IN_PROGRESS, ["孙在考", "李一篇", "王两篇"]),
        (queries.FAILED, ["赵未过"]),
        (queries.DONE, ["甲书记", "钱完成"]),
    ],
)
def test_filters_keep_one_kind_of_member(session, board, status, expected):
    found = dashboards.branch_dashboard(session, board.plan, board.branch_a, status=status)

    assert names(found) == expected
    assert found.total == len(expected)


def test_pages_of_the_branch_table(session, board):
    first = dashboards.branch_dashboard(session, board.plan, board.branch_a, per_page=3)
    last = dashboards.branch_dashboard(session, board.plan, board.branch_a, per_page=3, page=9)

    assert (names(first), first.pages, first.has_next) == (A_ORDER[:3], 3, True)
    assert (names(last), last.page, last.has_next) == (A_ORDER[6:], 3, False)


def test_the_default_plan_is_the_quarters_running_plan_for_the_branch(session, board):
    earlier = make_plan(
        session,
        board.committee,
        targets=[board.branch_a],
        starts_on=date(2026, 10, 1),
        due_on=date(2026, 10, 31),
        title="十月学习",
        materials=board.materials[:1],
    )
    make_plan(
        session,
        board.committee,
        targets=[board.branch_b],
        title="乙支部专题",
        materials=board.materials[:1],
    )
    helpers.plan(session, board.committee, targets=[board.branch_a], due_on=date(2026, 9, 30))
    choice = dashboards.choose_plan(
        session, board.committee, board.branch_a, quarter=Q4, today=TODAY
    )

    assert [p.title for p in choice.plans] == ["十月学习", board.plan.title]
    assert choice.plan == board.plan
    picked = dashboards.choose_plan(
        session, board.committee, board.branch_a, quarter=Q4, today=TODAY, plan_id=earlier.id
    )
    assert picked.plan == earlier


# Who may see what ------------------------------------------------------------------------------


def test_a_secretary_sees_only_their_own_branch(client, login, board, frozen):
    login(board.secretary_a.user)
    a, b = board.branch_a.id, board.branch_b.id
    plan = board.plan.id

    assert client.get(f"/reports/branches/{a}/dashboard?plan={plan}").status_code == 200
    assert client.get(f"/reports/branches/{a}/dashboard/print?plan={plan}").status_code == 200
    assert client.get(f"/reports/branches/{b}/dashboard?plan={plan}").status_code == 403
    assert client.get(f"/reports/branches/{b}/dashboard/print?plan={plan}").status_code == 403
    assert client.get(f"/reports/units/{board.committee.id}/dashboard").status_code == 403
    assert client.get(f"/reports/members/{board['钱完成'].id}/history").status_code == 200
    assert client.get(f"/reports/members/{board['吴一'].id}/history").status_code == 403
    answer = client.post(
        f"/reports/branches/{b}/dashboard/remind",
        data={"plan_id": plan, "user_id": board["郑二"].user_id},
    )
    assert answer.status_code == 403


def test_a_member_sees_no_dashboard(client, login, board, frozen):
    login(board["钱完成"].user)
    a = board.branch_a.id

    assert client.get(f"/reports/branches/{a}/dashboard").status_code == 403
    assert (
        client.get(f"/reports/branches/{a}/dashboard/print?plan={board.plan.id}").status_code == 403
    )
    assert client.get(f"/reports/units/{board.committee.id}/dashboard").status_code == 403
    assert client.get(f"/reports/members/{board['李一篇'].id}/history").status_code == 403


def test_staff_see_every_branch_read_only(client, login, board, frozen, in_english):
    login(board.staff.user)

    page = client.get(f"/reports/branches/{board.branch_b.id}/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="read-only"' in html
    assert "remind-all" not in html and 'class="button secondary remind"' not in html
    answer = client.post(
        f"/reports/branches/{board.branch_b.id}/dashboard/remind",
        data={"plan_id": board.plan.id},
    )
    assert answer.status_code == 403


def test_a_plan_not_given_to_the_branch_is_not_found(client, login, session, board, frozen):
    other = make_plan(
        session,
        board.committee,
        targets=[board.branch_b],
        title="乙支部专题",
        materials=board.materials[:1],
    )
    login(board.secretary_a.user)

    assert (
        client.get(f"/reports/branches/{board.branch_a.id}/dashboard?plan={other.id}").status_code
        == 404
    )


# The page --------------------------------------------------------------------------------------


def test_the_secretarys_page_lists_members_in_order(client, login, board, frozen, in_english):
    login(board.secretary_a.user)

    html = client.get(f"/reports/branches/{board.branch_a.id}/dashboard").get_data(as_text=True)

    assert user_order(html, "member-table") == [board[n].user_id for n in A_ORDER]
    assert '<strong id="completion-rate">28.6%</strong>' in html
    assert "2 of 7 members have completed it" in html
    row = row_html(html, board["李一篇"].user_id)
    assert ">1/3<" in row and "Not reminded yet" in row and 'name="user_id"' in row
    assert 'name="user_id"' not in row_html(html, board["钱完成"].user_id)
    assert "Remind all not yet done (5)" in html


def test_the_page_filters_by_status(client, login, board, frozen):
    login(board.secretary_a.user)

    html = client.get(
        f"/reports/branches/{board.branch_a.id}/dashboard?status=in_progress"
    ).get_data(as_text=True)

    assert user_order(html, "member-table") == [
        board[n].user_id for n in ["孙在考", "李一篇", "王两篇"]
    ]
    assert (
        client.get(f"/reports/branches/{board.branch_a.id}/dashboard?status=x").status_code == 404
    )


def test_the_printed_page_lists_the_branch_with_the_print_date(
    client, login, board, frozen, in_english
):
    login(board.secretary_a.user)

    html = client.get(
        f"/reports/branches/{board.branch_a.id}/dashboard/print?plan={board.plan.id}"
    ).get_data(as_text=True)

    assert user_order(html, "sheet-table") == [board[n].user_id for n in A_ORDER]
    assert 'id="sheet-quarter">2026Q4<' in html
    assert board.plan.title in html
    printed = re.search(r'id="printed-at">([^<]*)<', html).group(1)
    assert "Nov 20, 2026" in printed and board.secretary_a.user.name in printed
    assert "dashboards.css" in html


# Reminders -------------------------------------------------------------------------------------


def reminders_of(session, board, user_id: int) -> int:
    return session.scalar(
        select(func.count(PlanReminder.id)).where(
            PlanReminder.plan_id == board.plan.id, PlanReminder.user_id == user_id
        )
    )


def test_remind_one_member_once_a_day(client, login, session, board, frozen, in_english):
    login(board.secretary_a.user)
    target = board["张未动"]
    url = f"/reports/branches/{board.branch_a.id}/dashboard/remind"

    first = client.post(url, data={"plan_id": board.plan.id, "user_id": target.user_id})
    assert first.status_code == 302
    assert f"/reports/branches/{board.branch_a.id}/dashboard" in first.location
    html = client.get(first.location).get_data(as_text=True)
    assert "1 member reminded." in html
    row = row_html(html, target.user_id)
    assert "Last reminded 11/20/26, 10:30" in row
    assert "Reminded today" in row and 'name="user_id"' not in row
    assert reminders_of(session, board, target.user_id) == 1

    again = client.post(url, data={"plan_id": board.plan.id, "user_id": target.user_id})
    assert "1 member had been reminded today already." in client.get(again.location).get_data(
        as_text=True
    )
    assert reminders_of(session, board, target.user_id) == 1

    login(target.user)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert board.plan.title in inbox and "Reminder" in inbox


def test_remind_all_not_yet_done(client, login, session, board, frozen, in_english):
    login(board.secretary_a.user)
    url = f"/reports/branches/{board.branch_a.id}/dashboard/remind"

    answer = client.post(url, data={"plan_id": board.plan.id})
    assert "5 members reminded." in client.get(answer.location).get_data(as_text=True)
    not_done = ["张未动", "孙在考", "李一篇", "王两篇", "赵未过"]
    assert [reminders_of(session, board, board[n].user_id) for n in not_done] == [1] * 5
    assert reminders_of(session, board, board["钱完成"].user_id) == 0
    assert reminders_of(session, board, board["郑二"].user_id) == 0  # branch B
    messages = session.scalar(
        select(func.count(Message.id)).where(
            Message.kind == "plan_reminder",
            Message.user_id.in_([board[n].user_id for n in not_done]),
        )
    )
    assert messages == 5

    again = client.post(url, data={"plan_id": board.plan.id})
    html = client.get(again.location).get_data(as_text=True)
    assert "5 members had been reminded today already." in html
    assert "members reminded." not in html


def test_a_member_who_is_done_is_not_reminded(client, login, session, board, frozen, in_english):
    login(board.secretary_a.user)

    answer = client.post(
        f"/reports/branches/{board.branch_a.id}/dashboard/remind",
        data={"plan_id": board.plan.id, "user_id": board["钱完成"].user_id},
    )

    assert "has completed the plan" in client.get(answer.location).get_data(as_text=True)
    assert reminders_of(session, board, board["钱完成"].user_id) == 0


def test_remind_needs_the_form_token_and_a_plan(client, login, board, frozen):
    login(board.secretary_a.user)

    answer = client.post(f"/reports/branches/{board.branch_a.id}/dashboard/remind", data={})

    assert answer.status_code == 400


# The ranking of branches -----------------------------------------------------------------------


def test_ranking_counts_members_who_never_started(session, board):
    found = dashboards.unit_dashboard(
        session, board.plan, board.committee, timezone="Asia/Shanghai", today=TODAY
    )

    ranks = {r.name: r for r in found.ranks}
    assert [r.name for r in found.ranks] == ["乙支部", "甲支部"]  # branch C has no plan
    a, b = ranks["甲支部"], ranks["乙支部"]
    assert (b.rank, b.members, b.completed, b.completion) == (1, 3, 1, Decimal("33.3"))
    assert (a.rank, a.members, a.completed, a.completion) == (2, 7, 2, Decimal("28.6"))
    assert (a.pass_rate, b.pass_rate) == (Decimal("28.6"), Decimal("33.3"))
    assert (a.average, b.average) == (Decimal("71.7"), Decimal("80.0"))
    assert (a.studied, a.studied_per_member) == (5, Decimal("0.7"))
    assert (b.studied, b.studied_per_member) == (3, Decimal("1.0"))
    totals = found.totals
    assert (totals.branches, totals.members, totals.completed) == (2, 10, 3)
    assert (totals.completion, totals.pass_rate) == (Decimal("30.0"), Decimal("30.0"))
    assert totals.average == Decimal("73.8")
    assert totals.studied_per_member == Decimal("0.8")


def test_ranking_trend_over_the_weeks_of_the_quarter(session, board):
    found = dashboards.unit_dashboard(
        session, board.plan, board.committee, timezone="Asia/Shanghai", today=TODAY
    )

    labels = [w.label for w in found.weeks]
    assert labels[:3] == ["10/1", "10/5", "10/12"] and labels[-1] == "12/28"
    assert len(found.weeks) == 14
    zero = Decimal("0.0")
    assert found.trend == [zero] * 6 + [Decimal("10.0"), Decimal("30.0")] + [None] * 6


def test_ties_share_a_rank_and_a_general_branch_ranks_its_own(session, make, board):
    general = make.unit(board.committee, UnitKind.GENERAL_BRANCH)
    first = make.branch(general, "一支部")
    second = make.branch(general, "二支部")
    make.member(first, name="甲")
    make.member(second, name="乙")
    plan = make_plan(session, board.committee, targets=[general], title="总支学习", quiz=board.exam)
    tied = dashboards.unit_dashboard(session, plan, general, timezone="Asia/Shanghai", today=TODAY)
    assert [(r.name, r.rank, r.completion) for r in tied.ranks] == [
        ("一支部", 1, Decimal("0.0")),
        ("二支部", 1, Decimal("0.0")),
    ]


def test_ranking_page_and_drill_down(client, login, board, frozen, in_english):
    login(board.staff.user)

    html = client.get(f"/reports/units/{board.committee.id}/dashboard").get_data(as_text=True)

    assert user_order(html, "ranking-table", "data-branch") == [
        board.branch_b.id,
        board.branch_a.id,
    ]
    assert 'id="total-completion">30.0%<' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="trend-chart"' in html
    assert "<polyline" in html
    drill = f"/reports/branches/{board.branch_a.id}/dashboard?plan={board.plan.id}"
    assert drill in html.replace("&amp;", "&")
    branch = client.get(drill).get_data(as_text=True)
    history = f"/reports/members/{board['钱完成'].id}/history"
    assert history in branch


def test_no_plan_this_quarter(client, login, board, in_english, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW + timedelta(days=60))  # 2027 Q1
    login(board.staff.user)

    html = client.get(f"/reports/units/{board.committee.id}/dashboard").get_data(as_text=True)

    assert 'id="no-plan"' in html and "2027Q1" in html


# A member's quarter ----------------------------------------------------------------------------


def test_member_history_lists_readings_attempts_and_points(
    client, login, board, frozen, in_english
):
    login(board.staff.user)
    member = board["钱完成"]

    html = client.get(f"/reports/members/{member.id}/history?quarter=2026Q4").get_data(as_text=True)

    readings = html.split('id="history-readings"', 1)[1].split("</section>", 1)[0]
    assert all(r.title in readings for r in board.materials)
    assert readings.count("studied ") == 3
    attempts = html.split('id="history-attempts"', 1)[1].split("</section>", 1)[0]
    assert board.exam.title in attempts and "85.00%" in attempts and "Passed" in attempts
    assert board.plan.title in html.split('id="history-plans"', 1)[1]
    assert "3 readings studied" in html
    empty = client.get(f"/reports/members/{member.id}/history?quarter=2026Q2").get_data(
        as_text=True
    )
    assert "No reading opened this quarter." in empty and "0 readings studied" in empty


def test_member_history_points(session, board):
    found = dashboards.member_history(session, board["钱完成"], board.committee, Q4, today=TODAY)

    assert found.total_points == sum(p.points for p in found.points)
    assert {p.kind for p in found.points} <= {"reading", "daily_quiz"}
    assert found.studied == 3
    assert [quiz.title for _, quiz in found.attempts] == [board.exam.title]


# Links and the home panel ----------------------------------------------------------------------


def test_home_panel_shows_the_secretary_their_branchs_completion(
    client, login, board, frozen, in_english
):
    login(board.secretary_a.user)
    html = client.get("/").get_data(as_text=True)

    panel = html.split('id="branch-dashboard-panel"', 1)[1].split("</section>", 1)[0]
    assert "28.6%" in panel and board.plan.title in panel
    assert f"/reports/branches/{board.branch_a.id}/dashboard" in panel

    login(board["李一篇"].user)
    assert 'id="branch-dashboard-panel"' not in client.get("/").get_data(as_text=True)


def test_branch_and_committee_pages_link_their_dashboards(client, login, board, frozen):
    login(board.staff.user)

    branch = client.get(f"/org/units/{board.branch_a.id}").get_data(as_text=True)
    committee = client.get(f"/org/units/{board.committee.id}").get_data(as_text=True)

    assert f"/reports/branches/{board.branch_a.id}/dashboard" in branch
    assert f"/reports/units/{board.committee.id}/dashboard" in committee


def test_a_reminder_returns_to_the_row_with_its_result_beside_it(
    client, login, session, board, frozen, in_english
):
    login(board.secretary_a.user)
    target = board["张未动"]
    url = f"/reports/branches/{board.branch_a.id}/dashboard/remind"
    answer = client.post(url, data={"plan_id": board.plan.id, "user_id": target.user_id})
    assert answer.location.endswith(f"acted={target.user_id}#u-{target.user_id}")
    html = client.get(answer.location).get_data(as_text=True)
    after_row = html.split(f'id="u-{target.user_id}"', 1)[1].split("</tr>", 2)[1]
    assert "1 member reminded." in after_row
    assert html.count("1 member reminded.") == 1
    everyone = client.post(url, data={"plan_id": board.plan.id})
    assert everyone.location.endswith("#summary")
    summary = client.get(everyone.location).get_data(as_text=True).split('id="summary"', 1)[1]
    assert "members reminded." in summary.split("</section>", 1)[0]


def test_reminding_everyone_posts_one_line_to_the_branch_group(
    client, login, session, board, frozen, in_english
):
    from studyhub.notify import services as notify
    from studyhub.notify.models import ChannelDelivery, ChannelKind

    notify.save_channel(
        session,
        board.branch_a.id,
        ChannelKind.FEISHU,
        webhook_url="https://open.feishu.cn/open-apis/bot/v2/hook/x",
        secret="s",
        is_active=True,
        by_user_id=None,
        now=NOW,
    )
    login(board.secretary_a.user)
    url = f"/reports/branches/{board.branch_a.id}/dashboard/remind"
    client.post(url, data={"plan_id": board.plan.id})
    client.post(url, data={"plan_id": board.plan.id})
    [post] = session.scalars(select(ChannelDelivery)).all()
    assert "尚未完成学习计划" in post.text and post.link == f"/plans/{board.plan.id}"
