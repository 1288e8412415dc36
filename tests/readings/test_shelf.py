"""Search (Chinese, title and text), favourites, and readings' PDF attachments with their
access checks."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.readings.models import Favourite, ReadingAttachment
from studyhub.readings.services import shelf
from studyhub.readings.services.tracking import Reader
from studyhub.web.storage import EXTENSION, LocalStorage
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _setup(client, app, tmp_path, monkeypatch):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(tmp_path))


@pytest.fixture
def org(make):
    from studyhub.org.models import Role

    committee = make.committee("搜索测试党委")
    branch = make.branch(committee, "第一支部")
    other_branch = make.branch(committee, "第二支部")
    other_committee = make.committee("别的党委")
    return {
        "committee": committee,
        "branch": branch,
        "other_branch": other_branch,
        "other_committee": other_committee,
        "member": make.member(branch, name="张伟"),
        "neighbour": make.member(other_branch, name="李娜"),
        "stranger": make.member(make.branch(other_committee), name="王芳"),
        "staff": make.member(branch, name="干事", role=Role.STAFF, role_unit=committee),
    }


def reader(member) -> Reader:
    return Reader(
        user_id=member.user_id,
        member_id=member.id,
        committee_id=member.committee_id,
        branch_id=member.branch_id,
        timezone="Asia/Shanghai",
    )


def titles(session, member, text) -> list[str]:
    rows = session.scalars(shelf.search_readings(reader(member), text, now=NOW)).unique()
    return [r.title for r in rows]


def test_search_finds_chinese_words_in_title_and_text_of_visible_readings(session, org):
    c = org["committee"]
    make_reading(session, c, title="学习党章", body="认真学习党章。",
                 published_at=NOW - timedelta(days=3))  # fmt: skip
    make_reading(session, c, title="每日一读", body="坚持全面从严治党，永远在路上。",
                 published_at=NOW - timedelta(days=1))  # fmt: skip
    make_reading(session, c, title="党章草稿", body="未发布", is_published=False)
    make_reading(session, c, title="明天的党章", published_at=NOW + timedelta(hours=1))
    make_reading(session, org["other_committee"], title="别的党委的党章")
    own = make_reading(session, c, title="第二支部自己的党章")
    own.branch_id = org["other_branch"].id
    mine = make_reading(
        session, c, title="第一支部自己的党章", published_at=NOW - timedelta(days=5)
    )
    mine.branch_id = org["branch"].id
    session.flush()

    member = org["member"]
    assert titles(session, member, "党章") == ["学习党章", "第一支部自己的党章"]
    assert titles(session, member, "从严治党") == ["每日一读"]  # in the text only
    assert titles(session, member, "全面  永远") == ["每日一读"]  # every word
    assert titles(session, member, "全面 党章") == []
    assert titles(session, member, "100%") == []  # % matches itself
    assert titles(session, org["neighbour"], "党章") == ["第二支部自己的党章", "学习党章"]


def test_search_page(session, org, client, login):
    make_reading(session, org["committee"], title="学习党章", body="认真学习党章。")
    login(org["member"].user)
    page = client.get("/readings/search?q=党章").text
    assert re.findall(
        r'href="/readings/\d+">([^<]+)</a>', page.split('id="search-results"')[1]
    ) == ["学习党章"]
    assert "No reading matches." in client.get("/readings/search?q=不存在的词").text
    assert client.get("/readings/search").status_code == 200
    login(org["staff"].user)  # staff who are members too may search


def favourite_count(session, member) -> int:
    return session.scalar(
        select(func.count()).select_from(Favourite).where(Favourite.user_id == member.user_id)
    )


def test_favourites_star_list_unstar(session, org, client, login):
    first = make_reading(session, org["committee"], title="学习党章",
                         published_at=NOW - timedelta(days=2))  # fmt: skip
    second = make_reading(session, org["committee"], title="党史故事")
    member = org["member"]
    login(member.user)
    page = client.get(f"/readings/{first.id}").text
    assert "Add to favourites" in page
    for reading in (first, second, second):  # starring twice keeps one
        response = client.post(f"/readings/{reading.id}/favourite", data={"starred": "1"})
        assert response.status_code == 302
    assert favourite_count(session, member) == 2
    assert "In your favourites" in client.get(f"/readings/{first.id}").text
    listed = client.get("/readings/favourites").text.split('id="favourite-items"')[1]
    assert re.findall(r'href="/readings/\d+">([^<]+)</a>', listed) == ["党史故事", "学习党章"]
    client.post(f"/readings/{first.id}/favourite", data={"starred": "0"})
    assert favourite_count(session, member) == 1
    assert "学习党章" not in client.get("/readings/favourites").text
    second.unpublished_at = NOW  # a withdrawn reading leaves the list
    session.flush()
    assert "党史故事" not in client.get("/readings/favourites").text


def test_favourite_of_a_reading_one_may_not_see_is_404(session, org, client, login):
    theirs = make_reading(session, org["other_committee"], title="别的党委的文章")
    draft = make_reading(session, org["committee"], title="草稿", is_published=False)
    login(org["member"].user)
    for reading in (theirs, draft):
        assert (
            client.post(f"/readings/{reading.id}/favourite", data={"starred": "1"}).status_code
            == 404
        )
    assert favourite_count(session, org["member"]) == 0


def fetch(client, url: str):
    """GET a download and close it (the stored file is streamed from an open handle)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def attach(client, reading, data: bytes, name: str):
    return client.post(
        f"/library/readings/{reading.id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def attachments(session, reading) -> list[ReadingAttachment]:
    return list(session.scalars(shelf.attachments_of(reading.id)))


def test_staff_attach_a_pdf_checked_by_content(session, org, client, login, app):
    reading = make_reading(session, org["committee"], title="学习党章")
    login(org["staff"].user)
    attach(client, reading, b"<?php system($_GET['c']); ?>", "shell.pdf")
    attach(client, reading, b"\x89PNG\r\n\x1a\n" + b"0" * 64, "picture.pdf")
    assert attachments(session, reading) == []
    app.config["READING_ATTACHMENT_MAX_BYTES"] = 64
    attach(client, reading, PDF + b"%" * 100, "big.pdf")
    assert attachments(session, reading) == []
    app.config["READING_ATTACHMENT_MAX_BYTES"] = 20 * 1024 * 1024
    response = attach(client, reading, PDF, "党章全文.pdf")
    assert response.status_code == 302
    (item,) = attachments(session, reading)
    assert item.filename == "党章全文.pdf" and item.size == len(PDF)
    assert "党章全文.pdf" in client.get(f"/library/readings/{reading.id}/edit").text
    login(org["member"].user)
    assert attach(client, reading, PDF, "x.pdf").status_code == 403


def test_attachment_download_follows_the_readings_access(session, org, client, login):
    reading = make_reading(session, org["committee"], title="学习党章")
    own = make_reading(session, org["committee"], title="第一支部自己的")
    own.branch_id = org["branch"].id
    session.flush()
    login(org["staff"].user)
    attach(client, reading, PDF, "党章全文.pdf")
    attach(client, own, PDF, "支部材料.pdf")
    (item,) = attachments(session, reading)
    (own_item,) = attachments(session, own)
    url = f"/readings/{reading.id}/attachments/{item.id}"
    own_url = f"/readings/{own.id}/attachments/{own_item.id}"

    login(org["member"].user)
    page = client.get(f"/readings/{reading.id}").text
    assert url in page
    response = fetch(client, url)
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert fetch(client, own_url).status_code == 200
    assert fetch(client, f"/readings/{own.id}/attachments/{item.id}").status_code == 404

    login(org["neighbour"].user)  # another branch: the committee's PDF, not the branch's
    assert fetch(client, url).status_code == 200
    assert fetch(client, own_url).status_code == 404
    login(org["stranger"].user)  # another committee
    assert fetch(client, url).status_code == 404
    reading.unpublished_at = NOW  # withdrawn: members lose it, staff keep it
    session.flush()
    login(org["member"].user)
    assert fetch(client, url).status_code == 404
    login(org["staff"].user)
    assert fetch(client, url).status_code == 200


def test_erasing_a_member_deletes_their_favourites(session, org):
    from studyhub.org import erasure
    from studyhub.org import services as org_services

    reading = make_reading(session, org["committee"], title="学习党章")
    member, neighbour = org["member"], org["neighbour"]
    for who in (member, neighbour):
        shelf.set_favourite(session, reading, reader=reader(who), starred=True, now=NOW)
    later = NOW + timedelta(days=400)
    org_services.set_member_active(member, is_active=False, actor_id=None, now=later)
    session.flush()
    counts = erasure.erase_member(session, member, actor_id=None, now=later + timedelta(days=1))
    assert counts["favourites"] == 1
    assert favourite_count(session, member) == 0 and favourite_count(session, neighbour) == 1


def test_the_demo_has_a_pdf_and_favourites(app, session, tmp_path):
    from pypdf import PdfReader

    from studyhub.demo import COMMITTEE, load_demo
    from studyhub.org.models import OrgUnit
    from studyhub.readings.models import Reading

    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
    (item,) = session.scalars(
        select(ReadingAttachment)
        .join(Reading, Reading.id == ReadingAttachment.reading_id)
        .where(Reading.committee_id == committee.id)
    )
    data = (tmp_path / item.stored_name).read_bytes()
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert session.get(Reading, item.reading_id).title.replace(" ", "") in text.replace(" ", "")
    assert session.scalar(select(func.count()).select_from(Favourite)) >= 4
