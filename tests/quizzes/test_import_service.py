"""The import service end to end with Moodle's fixtures: the acceptance table of
shared/data/README.md, stored in a bank and (for media) served by the media page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from studyhub.quizzes import importers
from studyhub.quizzes.cli import media_url
from studyhub.quizzes.importers.model import ParsedMedia, ParsedQuestion, ParseResult
from studyhub.quizzes.models import (
    Bank,
    Category,
    Question,
    QuestionMedia,
    QuestionTag,
    QuestionType,
    QuestionVersion,
)
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import content, imports
from studyhub.web.storage import LocalStorage
from tests.conftest import NOW, shared_data
from tests.quizzes.bank_helpers import Org, add, count_questions, single

pytestmark = pytest.mark.usefixtures("english_messages")


def fetch(client, url: str, **kwargs):
    """GET a file and close the response (send_file keeps it open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()  # buffered, so it stays readable after closing
    response.close()
    return response


def media_storage(app) -> LocalStorage:
    return LocalStorage(Path(app.instance_path) / "uploads")


@pytest.fixture
def run(session, app, bank):
    """Import a shared fixture into ``bank`` (or another) and return the report."""

    def do(relative: str, *, into: Bank | None = None, file_format: str = "auto", **kwargs):
        path = shared_data(f"moodle/{relative}")
        result = importers.parse(path.read_bytes(), filename=path.name, file_format=file_format)
        options = {"category_path": None, "skip_invalid": False} | kwargs
        return imports.import_parse_result(
            session,
            into or bank,
            result,
            now=NOW,
            media_storage=media_storage(app),
            media_url=media_url,
            **options,
        )

    return do


def stored(session, bank: Bank) -> list[tuple[Question, QuestionVersion]]:
    rows = session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank.id)
        .order_by(Question.id)
    ).all()
    return [(question, version) for question, version in rows]


def by_title(session, bank: Bank, title: str) -> tuple[Question, QuestionVersion]:
    (found,) = [row for row in stored(session, bank) if row[0].title == title]
    return found


def option_text(version: QuestionVersion, key: str) -> str:
    return content.plain_text(next(o["html"] for o in version.options if o["key"] == key))


def category_label(session, question: Question) -> str | None:
    if question.category_id is None:
        return None
    category = session.get(Category, question.category_id)
    return "/".join(bank_service.category_names(session, category))


def category_labels(session, bank: Bank) -> list[str]:
    return [node.label for node in bank_service.category_tree(session, bank)]


# GIFT ---------------------------------------------------------------------------------------


def test_gift_questions(session, bank, run):
    report = run("gift/questions.gift.txt")
    # the essay Q8 is stored since issue 17
    assert (report.stored, report.duplicates, report.errors) == (6, 1, [])
    assert report.skipped == [
        {"name": "Moodle activities", "type": "matching", "line": 5},
        {"name": "Q5", "type": "numerical", "line": 31},
    ]
    q2, v2 = by_title(session, bank, "Q2")
    assert q2.qtype == QuestionType.SINGLE and option_text(v2, v2.answer) == "yellow"
    colours, vc = by_title(session, bank, "colours")
    assert colours.qtype == QuestionType.MULTIPLE
    assert [option_text(vc, key) for key in vc.answer] == ["yellow", "off-beige"]
    short, vs = by_title(session, bank, "Shortanswer")
    assert short.qtype == QuestionType.FILLIN and vs.answer == [["Frog"]]
    q1, v1 = by_title(session, bank, "Q1")
    assert q1.qtype == QuestionType.TRUEFALSE and v1.answer is False
    assert content.plain_text(v1.explanation_html) == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    tsl, vt = by_title(session, bank, "2-08 TSL")
    assert tsl.qtype == QuestionType.TRUEFALSE and vt.answer is True
    q8, v8 = by_title(session, bank, "Q8")
    assert q8.qtype == QuestionType.ESSAY and (v8.options, v8.answer) == ([], None)
    assert report.by_type["essay"]["stored"] == 1
    assert report.by_type["matching"]["skipped"] == 1
    assert count_questions(session, bank) == 6


def test_gift_in_a_category_with_escapes(session, bank, run):
    report = run("gift/questions_in_category.gift.txt", category_path="导入/GIFT")
    assert (report.stored, report.duplicates, len(report.skipped)) == (3, 0, 1)
    assert report.skipped[0]["type"] == "matching"
    greeting, vg = by_title(session, bank, "Greeting")
    assert option_text(vg, vg.answer) == "French"
    assert 'href="http://demo.moodle.net/file.php/5/media/bonjour.mp3"' in vg.stem_html
    assert "Listen to this greeting:" in vg.stem_html
    user, vu = by_title(session, bank, "Moodle user")
    assert user.qtype == QuestionType.FILLIN and vu.answer == [["Moodler"]]
    acronym, va = by_title(session, bank, "Moodle acronym")
    assert acronym.qtype == QuestionType.TRUEFALSE and va.answer is True
    for question in (greeting, user, acronym):
        assert category_label(session, question) == "导入/GIFT/Default for New Features"


def test_gift_examples_and_a_second_import_stores_nothing(session, bank, run):
    report = run("gift/examples.txt")
    assert report.errors == []
    assert report.stored + report.duplicates == 32
    assert report.stored == count_questions(session, bank) == 20
    kinds = sorted(item["type"] for item in report.skipped)
    assert kinds == ["matching"] * 3 + ["numerical"] * 8
    stems = [content.plain_text(v.stem_html) for _q, v in stored(session, bank)]
    assert "Grant is _____ in Grant's tomb." in stems
    types = {q.qtype for q, _v in stored(session, bank)}
    assert types == set(QuestionType) - {QuestionType.ESSAY}

    again = run("gift/examples.txt")
    assert (again.stored, again.duplicates) == (0, 32)
    assert count_questions(session, bank) == 20


def test_gift_escaped_characters_arrive_as_literals(session, bank, run):
    run("gift/examples.txt")
    texts = " ".join(
        content.plain_text(v.stem_html) + " " + " ".join(o["html"] for o in v.options)
        for _q, v in stored(session, bank)
    )
    for literal in ("=", "~", "#", "{", "}", "\\"):
        assert literal in texts
    assert not re.search(r"\\[=~#{}]", texts)


def test_missing_word(session, bank, run):
    report = run("missingword/question.missingword1.txt", file_format="gift")
    assert (report.stored, report.errors) == (1, [])
    ((question, version),) = stored(session, bank)
    assert question.qtype == QuestionType.SINGLE
    stem = content.plain_text(version.stem_html)
    assert stem.endswith("students of _____, and in a sense we remain students for life.")
    assert option_text(version, version.answer) == "anatomy and physiology"


# Aiken --------------------------------------------------------------------------------------


def test_aiken_questions_keep_html_characters_as_text(session, bank, run):
    report = run("aiken/questions.aiken.txt")
    assert (report.stored, report.errors, report.skipped) == (2, [], [])
    (first, v1), (second, v2) = stored(session, bank)
    assert (v1.answer, option_text(v1, "B")) == ("B", "Martin Dougiamas")
    assert (v2.answer, option_text(v2, "A")) == ("A", "True")
    assert '&lt;html class="cool"&gt; &amp;' in v2.stem_html
    assert "<html" not in v2.stem_html
    assert content.plain_text(v2.stem_html).startswith(
        'Moodle\'s abilities include handling user input that includes <html class="cool"> &'
    )


@pytest.mark.parametrize("name", ["aiken_errors.txt", "aiken_errors.moodle-4.5.6.txt"])
def test_aiken_errors_store_nothing_unless_skipped(session, bank, run, name):
    report = run(f"aiken/{name}")
    assert report.stored == 0 and report.is_blocked
    assert [error["line"] for error in report.errors] == [1, 5, 14]
    assert "only one option" in report.errors[0]["message"]
    assert count_questions(session, bank) == 0
    assert session.scalar(select(func.count(Category.id)).where(Category.bank_id == bank.id)) == 0

    skipped = run(f"aiken/{name}", skip_invalid=True)
    valid = 3 if "4.5.6" in name else 2
    assert (skipped.stored, len(skipped.errors), skipped.is_blocked) == (valid, 3, False)
    answers = {
        content.plain_text(v.stem_html): option_text(v, v.answer) for _q, v in stored(session, bank)
    }
    assert answers["A second good question"] == "Correct (No space)"


# Moodle XML ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["nested_categories_with_questions.xml", "nested_categories_with_questions.moodle-4.5.6.xml"],
)
def test_xml_nested_categories(session, bank, run, name):
    report = run(f"xml/{name}", category_path="导入")
    assert (report.stored, report.errors, report.skipped) == (5, [], [])  # 4 true/false, 1 essay
    labels = sorted(category_label(session, q) for q, _v in stored(session, bank))
    assert labels == [
        "导入/Iota",
        "导入/Iota/Kappa",
        "导入/Iota/Kappa",
        "导入/Iota/Kappa/Lambda",
        "导入/Iota/Mu",
    ]
    assert sorted(q.qtype for q, _v in stored(session, bank)) == sorted(
        [QuestionType.TRUEFALSE] * 4 + [QuestionType.ESSAY]
    )


def test_xml_child_category_before_its_parent(session, bank, run):
    report = run("xml/categories_reverse_order.xml")
    assert (report.stored, report.skipped) == (2, [])  # the fill-in and the essay
    assert category_labels(session, bank) == ["Sigma", "Sigma/Tau"]  # Tau holds only the essay
    questions = {q.qtype: (q, v) for q, v in stored(session, bank)}
    essay, _essay_version = questions[QuestionType.ESSAY]
    assert category_label(session, essay) == "Sigma/Tau"
    question, version = questions[QuestionType.FILLIN]
    assert question.qtype == QuestionType.FILLIN and version.answer == [["yes"]]
    assert category_label(session, question) == "Sigma"


def test_xml_old_format(session, bank, run):
    report = run("xml/old_format_file.xml")
    assert (report.stored, report.errors, report.skipped) == (2, [], [])
    labels = sorted(category_label(session, q) for q, _v in stored(session, bank))
    assert labels == ["Pi", "Pi/Rho"]


def test_xml_html_characters_are_decoded_once(session, bank, run):
    report = run("xml/html_chars_in_idnumbers.xml")
    assert report.stored == 1
    ((question, version),) = stored(session, bank)
    assert question.qtype == QuestionType.TRUEFALSE and version.answer is True
    assert category_label(session, question) == "Alpha"
    assert version.stem_html == "<p>Testing Alpha Question</p>"


def test_xml_invalid_grades_store_nothing_and_name_the_question(session, bank, run):
    report = run("xml/error_invalid_grades.xml")
    assert report.stored == 0 and report.is_blocked
    ((error),) = report.errors
    assert error["line"] > 0
    assert "invalid grades" in error["message"] and "99.67" in error["message"]
    assert count_questions(session, bank) == 0


def test_xml_truefalse_images_are_stored_and_shown(
    session, app, bank, run, org: Org, login, client
):
    report = run("xml/truefalse.xml")
    assert (report.stored, report.errors) == (2, [])
    false, vf = by_title(session, bank, "Moodle acronym (False)")
    true, vt = by_title(session, bank, "Moodle acronym (True)")
    assert (vf.answer, vt.answer) == (False, True)
    assert category_label(session, false) == "Default for testhead/TrueFalse"
    for version in (vf, vt):
        texts = version.stem_html + version.explanation_html + str(version.options)
        assert "@@PLUGINFILE@@" not in texts and "studyhub-media" not in texts
    media = list(session.scalars(select(QuestionMedia).where(QuestionMedia.bank_id == bank.id)))
    assert sorted(m.filename for m in media) == ["infos.jpg", "logo.jpg"]  # shown once each
    assert {m.mime_type for m in media} == {"image/jpeg"}
    sources = re.findall(r'<img src="([^"]+)"', vf.stem_html + vf.explanation_html)
    assert len(sources) == 2
    login(org.member.user)
    for source in sources:
        response = fetch(client, source)
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.data.startswith(b"\xff\xd8") and response.data.endswith(b"\xff\xd9")


def test_xml_multichoice_flags_and_a_playable_mp3(session, bank, run, org: Org, login, client):
    report = run("xml/multichoice.xml")
    assert (report.stored, report.errors) == (1, [])
    ((question, version),) = stored(session, bank)
    assert (question.title, question.qtype) == ("Greeting", QuestionType.SINGLE)
    assert option_text(version, version.answer) == "French"
    flags = [re.search(r'<img src="([^"]+)"', o["html"]).group(1) for o in version.options]
    assert len(set(flags)) == 4
    audio = re.search(r'<audio controls="" preload="none" src="([^"]+)">', version.stem_html)
    assert audio is not None, version.stem_html
    assert f'<a href="{audio.group(1)}"' in version.stem_html  # the link stays, for download

    login(org.member.user)
    sound = fetch(client, audio.group(1))
    assert sound.status_code == 200
    assert sound.headers["Content-Type"] == "audio/mpeg"
    assert sound.data.startswith(b"ID3")
    assert sound.headers["X-Content-Type-Options"] == "nosniff"
    part = fetch(client, audio.group(1), headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100  # seeking works
    for flag in flags:
        assert fetch(client, flag).mimetype == "image/jpeg"


def test_media_is_served_only_to_the_committee(session, bank, run, org: Org, login, client, app):
    run("xml/multichoice.xml")
    ((_question, version),) = stored(session, bank)
    url = re.search(r'<audio[^>]* src="([^"]+)"', version.stem_html).group(1)
    login(org.other_staff.user)
    assert fetch(client, url).status_code == 404
    login(org.secretary.user)
    assert fetch(client, url).status_code == 200
    name = url.rsplit("/", 1)[1]
    assert fetch(client, f"/quizzes/media/{bank.id + 1000}/{name}").status_code == 404


# Rules of the service -----------------------------------------------------------------------


def test_duplicates_of_questions_already_in_the_bank_are_counted(session, bank, run):
    add(session, bank, single("Which is the best animal?", options=["Frog", "Cat"], answer="A"))
    run("gift/questions.gift.txt")
    report = run("gift/questions.gift.txt")
    assert (report.stored, report.duplicates, report.unchanged) == (0, 7, 6)


def test_an_unsupported_media_file_is_an_error(session, app, bank):
    question = ParsedQuestion(
        qtype="truefalse",
        stem_html='<p>看图<img src="studyhub-media:x.svg"></p>',
        answer=True,
        title="SVG",
        line=7,
        media=[ParsedMedia("x.svg", "image/svg+xml", b"<svg onload='alert(1)'/>")],
    )
    report = imports.import_parse_result(
        session,
        bank,
        ParseResult(questions=[question]),
        category_path=None,
        skip_invalid=False,
        now=NOW,
        media_storage=media_storage(app),
        media_url=media_url,
    )
    assert report.stored == 0
    assert report.errors[0]["line"] == 7 and "x.svg" in report.errors[0]["message"]


def test_tags_difficulty_and_invalid_content_from_a_parser(session, app, bank):
    good = ParsedQuestion(
        qtype="fillin",
        stem_html="<p>党的根本组织原则是____。</p>",
        answer=[["民主集中制"]],
        category_path=["党章"],
        difficulty=2,
        tags=["党章", "组织原则"],
        line=2,
    )
    bad = ParsedQuestion(
        qtype="fillin", stem_html="<p>____和____</p>", answer=[["一"]], title="两空", line=3
    )
    result = ParseResult(questions=[good, bad])
    common = {"now": NOW, "media_storage": media_storage(app), "media_url": media_url}
    blocked = imports.import_parse_result(
        session, bank, result, category_path=None, skip_invalid=False, **common
    )
    assert blocked.stored == 0
    assert blocked.errors == [
        {
            "line": 3,
            "message": "“两空”: The text has 2 blanks but 1 answers are given. "
            "Give one answer per blank: one line each in the question form; "
            "separated by ; or ； in an XLSX or CSV file; "
            "one {=…} block where each blank is in GIFT.",
        }
    ]
    report = imports.import_parse_result(
        session, bank, result, category_path=None, skip_invalid=True, **common
    )
    assert report.stored == 1
    ((question, version),) = stored(session, bank)
    assert (question.difficulty, category_label(session, question)) == (2, "党章")
    tags = session.scalars(select(QuestionTag.name).where(QuestionTag.question_id == question.id))
    assert sorted(tags) == ["党章", "组织原则"]


def test_an_unreadable_file_blocks_even_when_skipping(session, app, bank):
    result = importers.parse(b"\x00\x01\x02\xff", filename="x.txt")
    report = imports.import_parse_result(
        session,
        bank,
        result,
        category_path=None,
        skip_invalid=True,
        now=NOW,
        media_storage=media_storage(app),
        media_url=media_url,
    )
    assert report.is_blocked and report.errors[0]["line"] == 0
