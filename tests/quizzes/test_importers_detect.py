"""Format detection, text encodings, fingerprints and the parse() entry point."""

from __future__ import annotations

import codecs
import random

import pytest

from studyhub.quizzes import importers
from studyhub.quizzes.importers import gift
from studyhub.quizzes.importers.detect import UnreadableFile, decode_text, detect_format
from studyhub.quizzes.importers.model import ParsedOption, ParsedQuestion, fingerprint
from studyhub.quizzes.importers.xlsx import write_template
from tests.conftest import shared_data

CHINESE_GIFT = (
    "// 党章知识\n"
    "$CATEGORY: $course$/党章\n\n"
    "::最高理想::中国共产党的最高理想和最终目标是实现{=共产主义 ~社会主义 ~小康社会}。\n\n"
    "::党员权利::党员有权在党的会议上参加关于党的政策问题的讨论。{TRUE}\n"
)


def test_gb18030_gift_file_decodes():
    result = gift.parse(CHINESE_GIFT.encode("gb18030"), filename="党章.gift")

    assert result.errors == []
    ideal, rights = result.questions
    assert ideal.stem_html == "中国共产党的最高理想和最终目标是实现_____。"
    assert ideal.option(ideal.answer).html == "共产主义"
    assert ideal.category_path == ["党章"]
    assert (rights.title, rights.answer) == ("党员权利", True)


@pytest.mark.parametrize(
    "encoded",
    [
        CHINESE_GIFT.encode("utf-8"),
        codecs.BOM_UTF8 + CHINESE_GIFT.encode("utf-8"),
        CHINESE_GIFT.encode("utf-16"),  # with its byte-order mark
        CHINESE_GIFT.encode("gb18030"),
        CHINESE_GIFT,
    ],
)
def test_every_accepted_encoding_gives_the_same_text(encoded):
    assert decode_text(encoded) == CHINESE_GIFT


def test_windows_1252_text_decodes():
    text = "::Café::Which pastry is French?{=crème brûlée ~apple pie}\n"
    result = gift.parse(text.encode("cp1252"), filename="cafe.gift")
    assert result.errors == []
    [question] = result.questions
    assert (question.title, question.option("A").html) == ("Café", "crème brûlée")


def test_random_binary_is_refused_with_a_clear_message():
    data = random.Random(4).randbytes(4000)
    with pytest.raises(UnreadableFile) as caught:
        decode_text(data)
    assert "UTF-8" in str(caught.value)
    for file_format in ("gift", "aiken"):
        result = importers.parse(data, filename="x.txt", file_format=file_format)
        assert result.questions == []
        assert [(p.line, p.message) for p in result.errors] == [(0, str(caught.value))]
    assert importers.parse(data, filename="x.txt").errors[0].line == 0


def test_text_with_control_characters_is_not_text():
    with pytest.raises(UnreadableFile):
        decode_text(b"Question?\x00\x01{T}")


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("moodle/gift/questions.gift.txt", "gift"),
        ("moodle/gift/examples.txt", "gift"),
        ("moodle/missingword/question.missingword1.txt", "gift"),
        ("moodle/aiken/questions.aiken.txt", "aiken"),
        ("moodle/aiken/aiken_errors.txt", "aiken"),
        ("moodle/xml/truefalse.xml", "moodle-xml"),
    ],
)
def test_formats_are_detected_from_the_moodle_fixtures(relative, expected):
    path = shared_data(relative)
    data = path.read_bytes()
    assert detect_format(data, filename=path.name) == expected
    assert detect_format(data, filename="upload.txt") == expected  # by content alone
    result = importers.parse(data, filename=path.name)
    assert result.questions  # each of them has questions of our types


def test_formats_by_name_and_by_content():
    template = write_template()
    assert detect_format(template, filename="题库.xlsx") == "xlsx"
    assert detect_format(template, filename="题库") == "xlsx"  # a zip is a workbook
    assert detect_format(b"Q{T}", filename="q.gift") == "gift"
    assert detect_format(b"<quiz></quiz>", filename="q.txt") == "moodle-xml"
    assert importers.parse(b"Q{T}", filename="q", file_format="docx").errors[0].line == 0
    assert detect_format("题型,题干,答案\n判断,对吗,对\n".encode(), filename="q.txt") == "csv"
    not_csv = importers.parse(b"Q{T}", filename="q", file_format="csv").errors[0]
    assert not_csv.line == 1 and "Q{T}" in not_csv.message  # the columns found are listed


def test_fingerprint_ignores_white_space_but_not_content():
    def question(stem: str, answer: str = "A", option: str = "yes") -> ParsedQuestion:
        options = [ParsedOption("A", option, 100), ParsedOption("B", "no")]
        return ParsedQuestion(qtype="single", stem_html=stem, answer=answer, options=options)

    base = fingerprint(question("Is it  so?"))
    assert fingerprint(question(" Is it\nso? ")) == base
    assert fingerprint(question("Is it\xa0so?")) == base
    assert fingerprint(question("Is it so?", answer="B")) != base
    assert fingerprint(question("Is it so?", option="yes!")) != base
    assert fingerprint(question("Is it not so?")) != base
