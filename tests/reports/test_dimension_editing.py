"""Editing and removing a committee dimension (deleted while nothing is built on it, archived
once a closed quarter or a competition counts it), and the audit of entered and imported
values (one entry per save or import, not per row)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from studyhub.audit.models import AuditEntry
from studyhub.core import clock
from studyhub.core.errors import InvalidInput
from studyhub.reports.dimensions import code_of
from studyhub.reports.models import CustomDimension, DimensionValue
from studyhub.reports.services import closing, competitions
from studyhub.reports.services import custom_dimensions as custom
from tests.reports.helpers import AFTER_Q4, Q4

SCALE5 = {"kind": "scale", "out_of": 5}


def _dim(session, q4, name="岗位核心度", source="entered", now=AFTER_Q4):
    return custom.add_dimension(
        session,
        q4.committee,
        name=name,
        weight=Decimal(30),
        source=source,
        mapping=SCALE5,
        actor_id=q4.staff.user_id,
        now=now,
    )


def _entries(session, kind):
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id))
    )


def test_edit_changes_name_weight_mapping_quarters_and_is_audited(session, q4):
    dim = _dim(session, q4)
    other = _dim(session, q4, name="意识综合度")
    custom.edit_dimension(
        session,
        q4.committee,
        dim,
        name="岗位 核心度",
        weight=Decimal(40),
        mapping={"kind": "scale", "out_of": 10},
        quarters=[4],
        actor_id=q4.staff.user_id,
        now=AFTER_Q4,
    )
    assert (dim.name, dim.weight, dim.mapping["out_of"], dim.quarters) == (
        "岗位 核心度",
        Decimal(40),
        10,
        [4],
    )
    entry = _entries(session, "score_settings.changed")[-1]
    assert entry.actor_id == q4.staff.user_id
    assert "40%" in str(entry.changes) and "scale /10" in str(entry.changes)
    with pytest.raises(InvalidInput):
        custom.edit_dimension(
            session,
            q4.committee,
            other,
            name="岗位 核心度",
            weight=Decimal(1),
            mapping=SCALE5,
            now=AFTER_Q4,
        )
    with pytest.raises(InvalidInput):
        custom.edit_dimension(
            session, q4.committee, other, name="x", weight=Decimal(0), mapping=SCALE5, now=AFTER_Q4
        )
    assert other.name == "意识综合度"


def test_remove_deletes_a_dimension_nothing_is_built_on(session, q4):
    dim = _dim(session, q4)
    custom.enter_values(
        session, q4.committee, dim, Q4, {q4.a1.user_id: "3"}, actor_id=None, now=AFTER_Q4
    )
    dim_id = dim.id
    assert not custom.is_built_upon(session, q4.committee, dim)
    assert custom.remove_dimension(session, q4.committee, dim, actor_id=None, now=AFTER_Q4) == (
        "deleted"
    )
    assert session.get(CustomDimension, dim_id) is None
    assert session.scalar(select(func.count()).select_from(DimensionValue)) == 0
    assert "岗位核心度" in str(_entries(session, "score_settings.changed")[-1].changes)


def test_remove_archives_once_a_closed_quarter_counted_it(session, q4):
    dim = _dim(session, q4)
    custom.enter_values(
        session, q4.committee, dim, Q4, {q4.a1.user_id: "3"}, actor_id=None, now=AFTER_Q4
    )
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    later = AFTER_Q4 + timedelta(days=1)
    assert custom.is_built_upon(session, q4.committee, dim)
    assert custom.remove_dimension(session, q4.committee, dim, actor_id=None, now=later) == (
        "archived"
    )
    assert dim.is_active is False
    assert session.scalar(select(func.count()).select_from(DimensionValue)) == 1
    with pytest.raises(InvalidInput):
        custom.remove_dimension(session, q4.committee, dim, actor_id=None, now=later)
    # A dimension added after the close, but ranked by a competition, is archived too.
    newer = _dim(session, q4, name="月度考核", now=later)
    assert not custom.is_built_upon(session, q4.committee, newer)
    competitions.create_competition(
        session,
        q4.committee,
        title="比贡献",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        branch_ids=[q4.branch_a.id, q4.branch_b.id],
        measures=[(code_of(newer), Decimal(1))],
        is_named=False,
        actor_id=None,
        now=later,
    )
    assert custom.remove_dimension(session, q4.committee, newer, actor_id=None, now=later) == (
        "archived"
    )


def test_entering_and_importing_values_is_audited_once_each(session, q4, tmp_path):
    dim = _dim(session, q4)
    custom.enter_values(
        session,
        q4.committee,
        dim,
        Q4,
        {q4.a1.user_id: "3", q4.a2.user_id: "4"},
        actor_id=q4.staff.user_id,
        now=AFTER_Q4,
    )
    custom.enter_values(
        session,
        q4.committee,
        dim,
        Q4,
        {q4.a1.user_id: "5", q4.a2.user_id: "4"},
        actor_id=q4.staff.user_id,
        now=AFTER_Q4,
    )
    entered = _entries(session, "score_dimension.values_entered")
    assert len(entered) == 2
    assert entered[0].actor_id == q4.staff.user_id and entered[0].details["count"] == 2
    assert entered[0].details["quarter"] == "2026Q4"
    # The second save changed only 张一's value: 3 → 5.
    assert list(entered[1].changes.values()) == [["3", "5"]]
    assert "张一" in next(iter(entered[1].changes))

    imported_dim = _dim(session, q4, name="月度考核", source="imported")
    book = Workbook()
    sheet = book.active
    sheet.append(["党员编号", "姓名", "考核得分"])
    for member in (q4.a1, q4.a2, q4.b1):
        sheet.append([member.user.member_no, member.user.name, 4])
    path = tmp_path / "values.xlsx"
    book.save(path)
    count = custom.import_values(
        session, q4.committee, imported_dim, Q4, path, actor_id=q4.staff.user_id, now=AFTER_Q4
    )
    assert count == 3
    imported = _entries(session, "score_dimension.values_imported")
    assert len(imported) == 1  # one entry for the import, not one per row
    assert imported[0].details["count"] == 3 and imported[0].details["new"] == 3
    assert imported[0].object_id == imported_dim.id
    # A refused import records nothing.
    sheet.append(["NOPE", "无名", 4])
    book.save(path)
    with pytest.raises(custom.ImportRefused):
        custom.import_values(
            session, q4.committee, imported_dim, Q4, path, actor_id=None, now=AFTER_Q4
        )
    assert len(_entries(session, "score_dimension.values_imported")) == 1


@pytest.mark.usefixtures("in_english")
def test_edit_and_remove_pages(session, client, login, q4, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: AFTER_Q4)
    dim = _dim(session, q4)
    session.commit()
    edit = f"/reports/dimensions/{dim.id}/edit"
    remove = f"/reports/dimensions/{dim.id}/remove"
    data = {"name": "岗位贡献", "weight": "25", "mapping": "scale", "out_of": "5", "bands": ""}
    assert login(q4.secretary_a.user).get(edit).status_code == 403
    assert client.post(edit, data=data).status_code == 403
    assert client.post(remove).status_code == 403
    assert login(q4.staff.user).get(edit).status_code == 200
    listing = client.get(f"/reports/committees/{q4.committee.id}/dimensions")
    assert edit in listing.get_data(as_text=True)
    bad = client.post(edit, data={**data, "quarters": "5"})
    assert bad.status_code == 400 and "Quarters are 1 to 4" in bad.get_data(as_text=True)
    assert client.post(edit, data=data).status_code == 302
    session.expire_all()
    assert session.get(CustomDimension, dim.id).name == "岗位贡献"
    page = client.get(edit).get_data(as_text=True)
    assert "岗位贡献" in page and "Remove the dimension" in page
    assert client.post(remove).status_code == 302
    session.expire_all()
    assert session.get(CustomDimension, dim.id) is None
    assert client.get(edit).status_code == 404


def test_closing_a_quarter_freezes_a_scheme_of_the_committees_own(session, q4):
    scheme = "优秀合格党员评选"
    core = custom.add_dimension(
        session,
        q4.committee,
        name="岗位核心度",
        weight=Decimal(60),
        source="entered",
        mapping=SCALE5,
        scheme=scheme,
        now=AFTER_Q4,
    )
    custom.add_dimension(
        session,
        q4.committee,
        name="党龄",
        weight=Decimal(40),
        source="computed",
        computed_from="membership_years",
        mapping={"kind": "bands", "bands": [[0, 50]]},
        scheme=scheme,
        now=AFTER_Q4,
    )
    custom.enter_values(
        session,
        q4.committee,
        core,
        Q4,
        {q4.a1.user_id: "5", q4.b1.user_id: "1"},
        actor_id=None,
        now=AFTER_Q4,
    )
    live = {
        s.user_id: (s.score.total, s.rank, s.name)
        for s in custom.scheme_scores(session, q4.committee, scheme, Q4, q4.committee)
    }
    record = closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    assert [c[1] for c in record.history[-1]["schemes"][scheme]] == ["岗位核心度", "党龄"]
    later = AFTER_Q4 + timedelta(days=2)
    # After the close: the weight changes, a dimension is archived, another is added.
    custom.edit_dimension(
        session, q4.committee, core, name="核心度", weight=Decimal(10), mapping=SCALE5, now=later
    )
    assert custom.remove_dimension(session, q4.committee, core, actor_id=None, now=later) == (
        "archived"
    )
    custom.add_dimension(
        session,
        q4.committee,
        name="意识综合度",
        weight=Decimal(30),
        source="entered",
        mapping=SCALE5,
        scheme=scheme,
        now=later,
    )
    frozen = custom.scheme_scores(session, q4.committee, scheme, Q4, q4.committee)
    assert {s.user_id: (s.score.total, s.rank, s.name) for s in frozen} == live
    assert live[q4.a1.user_id][0] > live[q4.b1.user_id][0]
    assert [line.name for line in frozen[0].score.lines] == ["岗位核心度", "党龄"]
    columns = custom.scheme_columns(session, q4.committee, scheme, Q4)
    assert [(d.name, d.weight) for d in columns] == [
        ("岗位核心度", Decimal(60)),
        ("党龄", Decimal(40)),
    ]
    # The next quarter, still open, has the scheme as it is now.
    assert [d.name for d in custom.scheme_columns(session, q4.committee, scheme, Q4.next())] == [
        "党龄",
        "意识综合度",
    ]
    # Reopened and closed again: frozen anew, with the scheme as it is then.
    closing.reopen_quarter(session, record, by=q4.staff.user, reason="更正", now=later)
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=later)
    assert [d.name for d in custom.scheme_columns(session, q4.committee, scheme, Q4)] == [
        "党龄",
        "意识综合度",
    ]
