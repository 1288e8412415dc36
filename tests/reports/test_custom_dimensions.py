"""A committee's own score dimensions: entered, imported (all or nothing), computed; the
five-dimension scheme against a worked example; every dimension in the explanation; closed
quarters frozen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from studyhub.core.errors import Closed, InvalidInput
from studyhub.reports import scoring
from studyhub.reports.dimensions import code_of
from studyhub.reports.models import DimensionValue, MemberBirth
from studyhub.reports.services import closing
from studyhub.reports.services import custom_dimensions as custom
from studyhub.reports.services.frozen import quarter_scores
from studyhub.reports.services.scores import LiveScores
from tests.reports.helpers import AFTER_Q4, Q4

SCALE5 = {"kind": "scale", "out_of": 5}
RATING = {"kind": "table", "table": {"excellent": 100, "qualified": 80, "basic": 60}}


def _xlsx(tmp_path, rows, name="values.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(["党员编号", "姓名", "考核得分"])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    book.save(path)
    return path


def _five(session, q4):
    """The five-dimension 优秀合格党员 scheme of the issue, weights 30/25/20/10/15."""
    c, scheme = q4.committee, "优秀合格党员评选"

    def add(name, weight, source, mapping, **kw):
        return custom.add_dimension(
            session,
            c,
            name=name,
            weight=Decimal(weight),
            source=source,
            mapping=mapping,
            scheme=scheme,
            now=AFTER_Q4,
            **kw,
        )

    return scheme, {
        "core": add("岗位核心度", 30, "entered", SCALE5),
        "monthly": add("月度考核贡献度", 25, "imported", {"kind": "scale", "out_of": 100}),
        "awareness": add("意识综合度", 20, "rating", RATING),
        "age": add(
            "年龄",
            10,
            "computed",
            {"kind": "bands", "bands": [[0, 60], [30, 80], [40, 100]]},
            computed_from="age",
        ),
        "service": add(
            "司龄", 15, "entered", {"kind": "bands", "bands": [[0, 40], [3, 70], [10, 100]]}
        ),
    }


def test_five_dimension_scheme_reproduces_the_worked_example(session, q4, tmp_path):
    scheme, d = _five(session, q4)
    staff = q4.staff.user_id
    a1, a2 = q4.a1.user_id, q4.a2.user_id
    custom.enter_values(
        session, q4.committee, d["core"], Q4, {a1: "4", a2: "3"}, actor_id=staff, now=AFTER_Q4
    )
    custom.enter_values(
        session, q4.committee, d["service"], Q4, {a1: "6", a2: "12"}, actor_id=staff, now=AFTER_Q4
    )
    custom.enter_values(
        session,
        q4.committee,
        d["awareness"],
        Q4,
        {a1: "优秀", a2: "合格"},
        actor_id=staff,
        now=AFTER_Q4,
    )
    path = _xlsx(tmp_path, [(q4.a1.user.member_no, "张一", 92), (q4.a2.user.member_no, "张二", 75)])
    assert (
        custom.import_values(
            session, q4.committee, d["monthly"], Q4, path, actor_id=staff, now=AFTER_Q4
        )
        == 2
    )
    session.add_all(
        [MemberBirth(user_id=a1, born_year=1990), MemberBirth(user_id=a2, born_year=1980)]
    )
    session.flush()

    scores = {
        s.user_id: s for s in custom.scheme_scores(session, q4.committee, scheme, Q4, q4.committee)
    }
    # By hand, 张一: 岗位 4/5 → 80 × 30% = 24; 月度 92 × 25% = 23; 意识 优秀 → 100 × 20% = 20;
    # 年龄 2026 − 1990 = 36 → band 30+ → 80 × 10% = 8; 司龄 6 → band 3+ → 70 × 15% = 10.5.
    one = scores[a1].score
    assert [line.points for line in one.lines] == [
        Decimal("24.00"),
        Decimal("23.00"),
        Decimal("20.00"),
        Decimal("8.00"),
        Decimal("10.50"),
    ]
    assert one.total == Decimal("85.50")
    assert one.suggested == scoring.Rating.QUALIFIED
    # 张二: 3/5 → 60 × 30% = 18; 75 × 25% = 18.75; 合格 → 80 × 20% = 16; 46 → 100 × 10% = 10;
    # 12 → 100 × 15% = 15: 77.75.
    assert scores[a2].score.total == Decimal("77.75")
    assert scores[a1].rank == 1 and scores[a2].rank == 2
    # The explanation lists every dimension of the scheme, by name.
    assert [line.name for line in one.lines] == [
        "岗位核心度",
        "月度考核贡献度",
        "意识综合度",
        "年龄",
        "司龄",
    ]
    # 李一 has no values (and no birth year): every dimension listed, none counting.
    b1 = scores[q4.b1.user_id].score
    assert len(b1.lines) == 5 and all(line.missing for line in b1.lines)
    assert b1.total == Decimal("0.00")


def test_import_is_all_or_nothing_with_row_errors(session, q4, tmp_path):
    dim = custom.add_dimension(
        session,
        q4.committee,
        name="月度考核",
        weight=Decimal(20),
        source="imported",
        mapping={"kind": "scale", "out_of": 100},
        now=AFTER_Q4,
    )
    bad = _xlsx(
        tmp_path,
        [
            (q4.a1.user.member_no, "张一", 88),
            ("NOPE", "无名", 70),
            (q4.a2.user.member_no, "张二", 130),
            (q4.a1.user.member_no, "张一", 90),
        ],
    )
    with pytest.raises(custom.ImportRefused) as refused:
        custom.import_values(session, q4.committee, dim, Q4, bad, actor_id=None, now=AFTER_Q4)
    assert [p.row for p in refused.value.problems] == [3, 4, 5]
    assert "NOPE" in refused.value.problems[0].message
    assert session.scalar(select(func.count()).select_from(DimensionValue)) == 0
    good = _xlsx(tmp_path, [(q4.a1.user.member_no, "张一", 88)], name="good.xlsx")
    assert (
        custom.import_values(session, q4.committee, dim, Q4, good, actor_id=None, now=AFTER_Q4) == 1
    )
    # Entering by hand is refused for an imported dimension.
    with pytest.raises(InvalidInput):
        custom.enter_values(
            session, q4.committee, dim, Q4, {q4.a1.user_id: 1}, actor_id=None, now=AFTER_Q4
        )


def test_entered_values_are_checked(session, q4):
    dim = custom.add_dimension(
        session,
        q4.committee,
        name="岗位核心度",
        weight=Decimal(10),
        source="entered",
        mapping=SCALE5,
        now=AFTER_Q4,
    )
    with pytest.raises(InvalidInput):
        custom.enter_values(
            session, q4.committee, dim, Q4, {q4.a1.user_id: "6"}, actor_id=None, now=AFTER_Q4
        )
    with pytest.raises(InvalidInput):
        custom.enter_values(
            session, q4.committee, dim, Q4, {q4.a1.user_id: "很好"}, actor_id=None, now=AFTER_Q4
        )
    assert session.scalar(select(func.count()).select_from(DimensionValue)) == 0
    with pytest.raises(InvalidInput):
        custom.add_dimension(
            session,
            q4.committee,
            name="岗位核心度",
            weight=Decimal(10),
            source="entered",
            mapping=SCALE5,
            now=AFTER_Q4,
        )


def test_quarterly_score_weighs_own_dimensions_and_lists_them(session, q4):
    """A 民主评议 rating and membership years beside the four activity measures."""
    rating = custom.add_dimension(
        session,
        q4.committee,
        name="民主评议",
        weight=Decimal(20),
        source="rating",
        mapping=RATING,
        now=AFTER_Q4,
    )
    years = custom.add_dimension(
        session,
        q4.committee,
        name="党龄",
        weight=Decimal(10),
        source="computed",
        computed_from="membership_years",
        mapping={"kind": "bands", "bands": [[0, 50], [20, 100]]},
        now=AFTER_Q4,
    )
    other_quarter = custom.add_dimension(
        session,
        q4.committee,
        name="年终述职",
        weight=Decimal(10),
        source="entered",
        mapping=SCALE5,
        quarters=[1],
        now=AFTER_Q4,
    )
    custom.enter_values(
        session, q4.committee, rating, Q4, {q4.a1.user_id: "优秀"}, actor_id=None, now=AFTER_Q4
    )
    with LiveScores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as scores:
        scores.compute()
        found = scores.find(q4.a1.user_id)
        assert found is not None
        codes = [line.code for line in found.score.lines]
        assert codes == [*scoring.CODES, code_of(rating), code_of(years), code_of(other_quarter)]
        assert found.score.line(code_of(rating)).normalised == Decimal(100)
        # Joined 2001-07-01: 25 years at the end of 2026 → the 20+ band, 100.
        assert found.score.line(code_of(years)).normalised == Decimal(100)
        # Not a dimension of Q4: listed, counting for nobody.
        assert found.score.line(code_of(other_quarter)).missing == scoring.NO_DATA
        assert code_of(other_quarter) in scores.not_counted
        b1 = scores.find(q4.b1.user_id)
        assert b1.score.line(code_of(rating)).missing == scoring.NOT_REQUIRED


def test_closed_quarter_stays_frozen(session, q4):
    dim = custom.add_dimension(
        session,
        q4.committee,
        name="民主评议",
        weight=Decimal(20),
        source="rating",
        mapping=RATING,
        now=AFTER_Q4,
    )
    custom.enter_values(
        session, q4.committee, dim, Q4, {q4.a1.user_id: "合格"}, actor_id=None, now=AFTER_Q4
    )
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    with pytest.raises(Closed):
        custom.enter_values(
            session, q4.committee, dim, Q4, {q4.a1.user_id: "优秀"}, actor_id=None, now=AFTER_Q4
        )
    dim.weight = Decimal(90)  # a later change of weight leaves the frozen scores alone
    session.flush()
    with quarter_scores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as scores:
        assert scores.is_closed
        found = scores.find(q4.a1.user_id)
        line = found.score.line(code_of(dim))
        assert line.weight == Decimal(20) and line.normalised == Decimal(80)


@pytest.mark.usefixtures("in_english")
def test_pages_add_enter_import_and_explain(session, client, login, q4, tmp_path, monkeypatch):
    from studyhub.core import clock
    from studyhub.reports.models import CustomDimension

    monkeypatch.setattr(clock, "now_utc", lambda: AFTER_Q4)
    url = f"/reports/committees/{q4.committee.id}/dimensions"
    data = {
        "name": "岗位核心度",
        "scheme": "五维评选",
        "weight": "60",
        "source": "entered",
        "computed_from": "",
        "mapping": "scale",
        "out_of": "5",
        "bands": "",
        "quarters": "",
    }
    assert login(q4.secretary_a.user).post(url, data=data).status_code == 403
    assert login(q4.staff.user).get(url).status_code == 200
    assert client.post(url, data=data).status_code == 302
    imported = {
        **data,
        "name": "月度考核贡献度",
        "weight": "40",
        "source": "imported",
        "out_of": "100",
    }
    assert client.post(url, data=imported).status_code == 302
    core, monthly = session.scalars(select(CustomDimension).order_by(CustomDimension.id)).all()

    values = f"/reports/dimensions/{core.id}/values?quarter=2026Q4&branch={q4.branch_a.id}"
    assert client.get(values).status_code == 200
    assert client.get(f"/reports/dimensions/{monthly.id}/values?quarter=2026Q4").status_code == 200
    assert client.post(values, data={f"value_{q4.a1.user_id}": "9"}).status_code == 400
    assert client.post(values, data={f"value_{q4.a1.user_id}": "4"}).status_code == 302

    upload = f"/reports/dimensions/{monthly.id}/values?quarter=2026Q4"
    bad = _xlsx(tmp_path, [(q4.a1.user.member_no, "张一", 80), ("X1", "无", 70)])
    with bad.open("rb") as fh:
        page = client.post(
            upload, data={"file": (fh, "v.xlsx")}, content_type="multipart/form-data"
        )
    assert page.status_code == 400 and "Row 3" in page.get_data(as_text=True)
    assert (
        session.scalar(
            select(func.count())
            .select_from(DimensionValue)
            .where(DimensionValue.dimension_id == monthly.id)
        )
        == 0
    )
    good = _xlsx(tmp_path, [(q4.a1.user.member_no, "张一", 80)], name="g.xlsx")
    with good.open("rb") as fh:
        page = client.post(
            upload, data={"file": (fh, "v.xlsx")}, content_type="multipart/form-data"
        )
    assert page.status_code == 302

    scheme = client.get(f"/reports/committees/{q4.committee.id}/schemes/五维评选?quarter=2026Q4")
    text = scheme.get_data(as_text=True)
    assert scheme.status_code == 200
    assert "岗位核心度" in text and "月度考核贡献度" in text
    # 张一: 4/5 → 80 × 60% = 48; 80 × 40% = 32: 80.00.
    assert "80.00" in text and "48.00" in text and "32.00" in text


def test_erasing_a_departed_member_deletes_their_birth_year(session, q4):
    from studyhub.org import erasure
    from studyhub.org import services as org

    session.add_all(
        [
            MemberBirth(user_id=q4.a1.user_id, born_year=1990),
            MemberBirth(user_id=q4.a2.user_id, born_year=1980),
        ]
    )
    session.flush()
    org.set_member_active(q4.a1, is_active=False, actor_id=None, now=AFTER_Q4)
    counts = erasure.erase_member(session, q4.a1, actor_id=None, now=AFTER_Q4)
    assert counts["birth_years"] == 1
    left = session.scalars(select(MemberBirth.user_id)).all()
    assert left == [q4.a2.user_id]


def test_adding_a_dimension_is_audited(session, q4):
    from studyhub.audit.models import AuditEntry

    custom.add_dimension(
        session,
        q4.committee,
        name="岗位核心度",
        weight=Decimal(30),
        source="entered",
        mapping=SCALE5,
        actor_id=q4.staff.user_id,
        now=AFTER_Q4,
    )
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "score_settings.changed")
    ).one()
    assert entry.actor_id == q4.staff.user_id
    assert "岗位核心度" in str(entry.changes)


def test_a_closed_quarter_keeps_its_scheme(session, q4):
    from datetime import timedelta

    scheme, d = _five(session, q4)
    custom.enter_values(
        session, q4.committee, d["core"], Q4, {q4.a1.user_id: "5"}, actor_id=None, now=AFTER_Q4
    )
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    before = {
        s.user_id: s.score
        for s in custom.scheme_scores(session, q4.committee, scheme, Q4, q4.committee)
    }
    custom.add_dimension(
        session,
        q4.committee,
        name="党龄",
        weight=Decimal(50),
        source="computed",
        computed_from="membership_years",
        mapping={"kind": "bands", "bands": [[0, 10]]},
        scheme=scheme,
        now=AFTER_Q4 + timedelta(days=1),
    )
    after = {
        s.user_id: s.score
        for s in custom.scheme_scores(session, q4.committee, scheme, Q4, q4.committee)
    }
    assert after == before and len(after[q4.a1.user_id].lines) == 5
    assert after[q4.a1.user_id].total == Decimal("100.00")
    # The next quarter has the new dimension.
    nxt = custom.scheme_scores(session, q4.committee, scheme, Q4.next(), q4.committee)
    assert len(nxt[0].score.lines) == 6


def test_the_quarterly_export_has_a_column_per_own_dimension(session, q4):
    import io

    from studyhub.reports.services import exports

    dim = custom.add_dimension(
        session,
        q4.committee,
        name="民主评议",
        weight=Decimal(20),
        source="rating",
        mapping=RATING,
        now=AFTER_Q4,
    )
    custom.enter_values(
        session, q4.committee, dim, Q4, {q4.a1.user_id: "优秀"}, actor_id=None, now=AFTER_Q4
    )
    with LiveScores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as scores:
        scores.compute()
        out = io.StringIO()
        out.writelines(exports.csv_stream(scores))
    header = out.getvalue().splitlines()[0]
    assert "民主评议" in header
