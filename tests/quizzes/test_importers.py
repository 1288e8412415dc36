"""The importers against Moodle's own fixtures: the acceptance table of shared/data/README.md."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from studyhub.quizzes.importers import aiken, gift, moodle_xml
from studyhub.quizzes.importers.common import html_to_text
from studyhub.quizzes.importers.model import (
    Duplicate,
    ParsedCategory,
    ParsedQuestion,
    ParseResult,
    Skipped,
    fingerprint,
)
from tests.conftest import shared_data


def moodle(relative: str) -> bytes:
    return shared_data(f"moodle/{relative}").read_bytes()


def types(result: ParseResult) -> Counter[str]:
    return Counter(question.qtype for question in result.questions)


def at(result: ParseResult, line: int) -> ParsedQuestion:
    return next(question for question in result.questions if question.line == line)


def titled(result: ParseResult, title: str) -> list[ParsedQuestion]:
    return [question for question in result.questions if question.title == title]


def answer_text(question: ParsedQuestion) -> str | list[str]:
    """The right option's words (single) or the right options' words (multiple)."""
    if question.qtype == "single":
        return html_to_text(question.option(question.answer).html)
    return [html_to_text(question.option(key).html) for key in question.answer]


def all_text(question: ParsedQuestion) -> str:
    parts = [question.stem_html, question.explanation_html, *question.feedback_html.values()]
    return "\n".join(parts + [option.html for option in question.options])


# GIFT ------------------------------------------------------------------------------------


def test_gift_questions_file():
    result = gift.parse(moodle("gift/questions.gift.txt"), filename="questions.gift.txt")

    assert result.errors == []
    assert types(result) == {"single": 1, "multiple": 1, "fillin": 1, "truefalse": 3, "essay": 1}
    [q8] = titled(result, "Q8")  # essays are imported since issue 17
    assert (q8.qtype, q8.answer, q8.options) == ("essay", None, [])
    assert html_to_text(q8.stem_html) == "How are you?"
    assert result.skipped == [
        Skipped("Moodle activities", "matching", 5),
        Skipped("Q5", "numerical", 31),
    ]
    [q2] = titled(result, "Q2")
    assert (q2.qtype, answer_text(q2)) == ("single", "yellow")
    assert [html_to_text(option.html) for option in q2.options] == ["yellow", "red", "blue"]
    [colours] = titled(result, "colours")
    assert colours.qtype == "multiple"
    assert answer_text(colours) == ["yellow", "off-beige"]
    assert [option.weight for option in colours.options] == [50, -100, 50, -100]
    [shortanswer] = titled(result, "Shortanswer")
    assert (shortanswer.qtype, shortanswer.answer) == ("fillin", [["Frog"]])
    [q1] = titled(result, "Q1")
    assert (q1.qtype, q1.answer) == ("truefalse", False)
    assert q1.explanation_html == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    assert q1.feedback_html == {
        "true": "42 is the Ultimate Answer.",
        "false": "You gave the right answer.",
    }
    tsl = titled(result, "2-08 TSL")
    assert [(q.qtype, q.answer, q.stem_html) for q in tsl] == [
        ("truefalse", True, "TSL is blablabla."),
        ("truefalse", True, "TSL is blablabla."),
    ]
    assert result.duplicates == [Duplicate(49, 46, "2-08 TSL")]
    assert len(result.unique_questions) == 6  # stored 6 (with the essay), duplicates 1, skipped 2


def test_gift_category_and_escapes():
    result = gift.parse(moodle("gift/questions_in_category.gift.txt"), filename="x.txt")

    assert result.errors == []
    assert result.categories == [ParsedCategory(("Default for New Features",))]
    assert {tuple(q.category_path) for q in result.questions} == {("Default for New Features",)}
    assert result.skipped == [Skipped("Moodle activities", "matching", 5)]
    [greeting] = titled(result, "Greeting")
    assert (greeting.qtype, answer_text(greeting)) == ("single", "French")
    assert greeting.stem_html == (
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this '
        "greeting:</a><br /><br />What language is being spoken?"
    )
    [user] = titled(result, "Moodle user")
    assert (user.qtype, user.answer) == ("fillin", [["Moodler"]])
    [acronym] = titled(result, "Moodle acronym")
    assert (acronym.qtype, acronym.answer) == ("truefalse", True)
    assert '<span style="font-style: italic;">' in acronym.stem_html
    assert len(result.unique_questions) == 3


def test_gift_examples():
    first = gift.parse(moodle("gift/examples.txt"), filename="examples.txt")

    assert first.errors == []
    assert len(first.questions) + len(first.skipped) == 43
    assert types(first) == {"single": 16, "multiple": 2, "truefalse": 5, "fillin": 9}
    skipped = {(s.qtype, s.line) for s in first.skipped}
    assert skipped == {("numerical", line) for line in (16, 70, 72, 74, 76, 85, 175, 202)} | {
        ("matching", line) for line in (55, 61, 177)
    }
    assert len(first.unique_questions) + len(first.duplicates) == 32
    assert len(first.unique_questions) == 20

    grant = at(first, 10)
    assert grant.stem_html == "Grant is _____ in Grant's tomb."
    assert answer_text(grant) == "entombed"
    assert at(first, 29).stem_html == (
        "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    )
    assert at(first, 45).stem_html == "Two plus two equals _____."
    assert at(first, 45).answer == [["four", "4"]]
    assert at(first, 14).answer == [["no one", "nobody"]]
    assert (at(first, 49).answer, at(first, 51).answer) == (False, True)
    assert at(first, 90).title == "Kanji Origins"
    assert at(first, 108).stem_html == "<p>Who's buried in <strong>Grant's tomb</strong>?</p>"

    hometown = at(first, 117)
    assert (hometown.title, hometown.stem_html) == (
        "Jesus' hometown",
        "Jesus Christ was from _____.",
    )
    assert answer_text(hometown) == "Nazareth"
    assert [option.weight for option in hometown.options] == [0, 25, 50, 100]
    assert at(first, 123).answer == [["Nazareth"]]  # 75% and 25% answers are not accepted
    assert answer_text(at(first, 130)) == ["Grant", "Grant's wife"]
    assert [option.weight for option in at(first, 136).options] == [-50, 50, 50, -50]

    equals = at(first, 143)
    assert [option.html for option in equals.options] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    assert equals.answer == "B"
    control = at(first, 148)
    assert control.title == "GIFT Control Characters"
    assert [option.html for option in control.options] == ["~", "=", "#", "{", "}", "\\"]
    assert answer_text(control) == "\\"
    assert control.feedback_html["F"].startswith("Correct! \\ (backslash) is not")
    assert "(as shown in this example)." in control.feedback_html["F"]

    second = gift.parse(moodle("gift/examples.txt"), filename="examples.txt")
    stored = {fingerprint(question) for question in first.unique_questions}
    assert {fingerprint(question) for question in second.questions} <= stored


def test_gift_keeps_names_as_titles():
    result = gift.parse(moodle("gift/questions.gift.txt"), filename="q.txt")
    assert [q.title for q in result.questions] == [
        "Q8",
        "Q2",
        "colours",
        "Shortanswer",
        "Q1",
        "2-08 TSL",
        "2-08 TSL",
    ]


def test_missing_word_keeps_the_text_after_the_blank():
    result = gift.parse(moodle("missingword/question.missingword1.txt"), filename="m.txt")

    assert result.errors == [] and result.skipped == []
    [question] = result.questions
    assert question.qtype == "single"
    assert html_to_text(question.stem_html).endswith(
        "students of _____, and in a sense we remain students for life."
    )
    assert html_to_text(question.stem_html).startswith("As soon as we begin to explore")
    assert answer_text(question) == "anatomy and physiology"
    assert len(question.options) == 4


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("// c\n::Broken:: Where is the end? {=here ~there\n", 2, ["Broken"]),
        ("::Sum:: Pick {~%50%a ~%40%b ~c}", 1, ["Sum", "90"]),
        ("::Lonely:: Only one {~%100%a}", 1, ["Lonely"]),
        ("::Nobody:: Not one {=%50%a =%0%b}", 1, ["Nobody"]),
    ],
)
def test_gift_invalid_questions_are_reported_with_their_line(text, line, words):
    result = gift.parse(text, filename="bad.gift")
    assert result.questions == []
    [problem] = result.errors
    assert problem.line == line
    for word in words:
        assert word in problem.message


def test_gift_small_rules():
    text = (
        "$CATEGORY: $course$/top/党章//规程/总纲\n\n"
        "Just a description, no answers.\n\n"
        "::T::[plain]1 < 2 \\n & more{TRUE}\n\n"
        "::M::[markdown]Is **this** _____ right? {=yes ~no}\n\n"
        "::Two:: Pick both {=a =b ~c}\n"
    )
    result = gift.parse(text, filename="x.gift")

    assert result.errors == []
    assert result.categories == [
        ParsedCategory(("党章/规程",)),
        ParsedCategory(("党章/规程", "总纲")),
    ]
    assert result.skipped == [Skipped("Just a description, no answers.", "description", 3)]
    truth, markdown, both = result.questions
    assert truth.stem_html == "1 &lt; 2 <br>\n &amp; more"
    assert markdown.stem_html == "<p>Is <strong>this</strong> _____ right?</p>"
    assert (both.qtype, both.answer) == ("multiple", ["A", "B"])
    assert [option.weight for option in both.options] == [50, 50, 0]
    assert both.category_path == ["党章/规程", "总纲"]


# Aiken -----------------------------------------------------------------------------------


def test_aiken_questions():
    result = aiken.parse(moodle("aiken/questions.aiken.txt"), filename="q.txt")

    assert result.errors == []
    first, second = result.questions
    assert (first.qtype, first.answer, answer_text(first)) == ("single", "B", "Martin Dougiamas")
    assert first.stem_html == "The Moodle project was started by:"
    assert len(first.options) == 4
    assert (second.answer, answer_text(second)) == ("A", "True")
    assert '&lt;html class="cool"&gt; &amp; images:' in second.stem_html
    assert "<html" not in second.stem_html


def _problem_numbers(result: ParseResult) -> list[tuple[int, list[int]]]:
    return [(p.line, [int(n) for n in re.findall(r"\d+", p.message)]) for p in result.errors]


def test_aiken_errors():
    result = aiken.parse(moodle("aiken/aiken_errors.txt"), filename="e.txt")

    assert [(q.stem_html, q.answer, answer_text(q)) for q in result.questions] == [
        ("A good question", "A", "Correct"),
        ("A second good question", "B", "Correct (No space)"),
    ]
    assert _problem_numbers(result) == [(1, [1, 3]), (5, [5, 7]), (14, [14, 18])]
    assert "only one option" in result.errors[0].message


def test_aiken_errors_newer_upstream_file():
    result = aiken.parse(moodle("aiken/aiken_errors.moodle-4.5.6.txt"), filename="e.txt")

    assert len(result.questions) == 3
    third = result.questions[2]
    assert third.stem_html == "A third good question with HTML chars such as &gt; &lt; &amp;"
    assert [o.html for o in third.options] == [
        "Correct (&lt; &gt; &amp;)",
        "Incorrect (&lt; &gt; &amp;)",
    ]
    assert _problem_numbers(result) == [(1, [1, 3]), (5, [5, 7]), (14, [14, 18])]


def test_aiken_other_problems():
    text = (
        "Stem\nA) one\nC) two\nANSWER: A\n\n"
        "Stem two\nA) x\nB) y\nANSWER: D\n\n"
        "ANSWER: A\nLast\nA) p"
    )
    result = aiken.parse(text, filename="a.txt")
    assert result.questions == []
    assert [p.line for p in result.errors] == [1, 6, 11, 12]
    assert "D" in result.errors[1].message


# Moodle XML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first_lines"),
    [
        ("nested_categories_with_questions.xml", [15, 83, 123, 163]),
        ("nested_categories_with_questions.moodle-4.5.6.xml", [15, 87, 127, 167]),
    ],
)
def test_xml_nested_categories(name, first_lines):
    result = moodle_xml.parse(moodle(f"xml/{name}"), filename=name)

    assert result.errors == []
    assert [(q.qtype, q.answer, q.category_path, q.line) for q in result.questions] == [
        ("truefalse", True, ["Iota"], first_lines[0]),
        ("essay", None, ["Iota", "Kappa"], 55),
        ("truefalse", True, ["Iota", "Kappa"], first_lines[1]),
        ("truefalse", True, ["Iota", "Kappa", "Lambda"], first_lines[2]),
        ("truefalse", True, ["Iota", "Mu"], first_lines[3]),
    ]
    assert result.questions[1].title == "Kappa Essay Question"
    assert result.skipped == []
    assert [c.path for c in result.categories] == [
        ("Iota",),
        ("Iota", "Kappa"),
        ("Iota", "Kappa", "Lambda"),
        ("Iota", "Mu"),
    ]
    assert result.categories[0].info_html == "This is Iota category for test"
    assert result.categories[1].info_html == "<p>This is Kappa category for test</p>"  # markdown
    assert result.questions[0].stem_html == "<p>Testing Iota Question</p>"
    assert result.questions[0].title == "Iota Question"


def test_xml_child_category_before_its_parent():
    result = moodle_xml.parse(moodle("xml/categories_reverse_order.xml"), filename="r.xml")

    assert result.errors == []
    assert result.categories == [
        ParsedCategory(("Sigma",), None, "This is Sigma category for test"),
        ParsedCategory(("Sigma", "Tau"), None, "This is Tau category for test"),
    ]
    essay, question = result.questions
    assert (question.qtype, question.answer, question.category_path) == (
        "fillin",
        [["yes"]],
        ["Sigma"],
    )
    assert (essay.qtype, essay.title, essay.category_path, essay.line) == (
        "essay",
        "Tau Question",
        ["Sigma", "Tau"],
        14,
    )
    assert result.skipped == []


def test_xml_old_format():
    result = moodle_xml.parse(moodle("xml/old_format_file.xml"), filename="o.xml")

    assert result.errors == [] and result.skipped == []
    assert [
        (q.title, q.qtype, q.answer, q.category_path, q.idnumber) for q in result.questions
    ] == [
        ("Pi Question", "truefalse", True, ["Pi"], None),
        ("Rho Question", "truefalse", True, ["Pi", "Rho"], None),
    ]


def test_xml_entities_in_idnumbers_are_decoded_once():
    result = moodle_xml.parse(moodle("xml/html_chars_in_idnumbers.xml"), filename="h.xml")

    assert result.errors == []
    assert result.categories == [
        ParsedCategory(("Alpha",), "The inequalities < & >", "This is Alpha category for test")
    ]
    [question] = result.questions
    assert (question.qtype, question.answer, question.category_path) == (
        "truefalse",
        True,
        ["Alpha"],
    )
    assert question.idnumber == "T & F"


def test_xml_invalid_grades_reject_the_question_by_name():
    result = moodle_xml.parse(moodle("xml/error_invalid_grades.xml"), filename="g.xml")

    assert result.questions == [] and result.skipped == []
    [problem] = result.errors
    assert problem.line == 4
    assert "Question with <strong>invalid grades</strong> : x > 1 & x < 2" in problem.message
    assert "99.67" in problem.message


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff") and data.endswith(b"\xff\xd9")


def _media_refs(question: ParsedQuestion) -> set[str]:
    return set(re.findall(r'"studyhub-media:([^"]+)"', all_text(question)))


def test_xml_truefalse_with_embedded_images():
    result = moodle_xml.parse(moodle("xml/truefalse.xml"), filename="t.xml")

    assert result.errors == [] and result.skipped == []
    assert [(q.title, q.qtype, q.answer) for q in result.questions] == [
        ("Moodle acronym (False)", "truefalse", False),
        ("Moodle acronym (True)", "truefalse", True),
    ]
    media = [m for q in result.questions for m in q.media]
    assert len(media) == 8
    assert all(_is_jpeg(m.data) and m.mime == "image/jpeg" for m in media)
    for question in result.questions:
        assert question.category_path == ["Default for testhead", "TrueFalse"]
        names = {m.name for m in question.media}
        assert names == {"logo.jpg", "infos.jpg", "thumbup.jpg", "thumbdown.jpg"}
        assert _media_refs(question) == names
        assert "@@PLUGINFILE@@" not in all_text(question)
        assert '<img src="studyhub-media:logo.jpg" alt="Moodle logo"' in question.stem_html
        assert '<img src="studyhub-media:infos.jpg"' in question.explanation_html
        assert "\xa0" in question.stem_html
    assert "thumbup.jpg" in result.questions[0].feedback_html["false"]
    assert "thumbup.jpg" in result.questions[1].feedback_html["true"]


def test_xml_multichoice_with_audio_and_flags():
    result = moodle_xml.parse(moodle("xml/multichoice.xml"), filename="m.xml")

    assert result.errors == [] and result.skipped == []
    [greeting] = result.questions
    assert (greeting.title, greeting.qtype, greeting.answer) == ("Greeting", "single", "B")
    assert answer_text(greeting) == "French"
    assert [html_to_text(option.html) for option in greeting.options] == [
        "English",
        "French",
        "German",
        "Danish",
    ]
    media = {m.name: m for m in greeting.media}
    assert set(media) == {
        "bonjour.mp3",
        "flag-uk.jpg",
        "flag-france.jpg",
        "flag-german.jpg",
        "flag-denmark.jpg",
    }
    audio = media.pop("bonjour.mp3")
    assert audio.mime == "audio/mpeg"
    assert audio.data.startswith(b"ID3") and len(audio.data) > 10_000
    assert all(_is_jpeg(m.data) for m in media.values())
    assert '<a href="studyhub-media:bonjour.mp3">' in greeting.stem_html
    for option, flag in zip(greeting.options, ["uk", "france", "german", "denmark"], strict=True):
        assert f'src="studyhub-media:flag-{flag}.jpg"' in option.html
    assert "@@PLUGINFILE@@" not in all_text(greeting)
    assert greeting.feedback_html["B"] == "<p>Yes, well done!</p>"


XML_OTHER_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$module$/top/Mixed</text></category></question>
  <question type="matching"><name><text>Match</text></name>
    <questiontext format="html"><text>m</text></questiontext></question>
  <question type="numerical"><name><text>Number</text></name>
    <questiontext format="html"><text>n</text></questiontext></question>
  <question type="description"><name><text></text></name>
    <questiontext format="html"><text><![CDATA[<p>Read this first</p>]]></text></questiontext>
  </question>
  <question type="cloze"><name><text>Gaps</text></name>
    <questiontext format="html"><text>{1:SHORTANSWER:=x}</text></questiontext></question>
  <question type="multichoice"><name><text>Plain &amp; two</text></name>
    <questiontext format="plain_text"><text>1 &lt; 2?
really</text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>yes</text></answer>
    <answer fraction="100"><text>indeed</text></answer>
    <answer fraction="-50"><text>no</text></answer>
    <tags><tag><text>maths</text></tag><tag><text>easy</text></tag></tags>
  </question>
</quiz>
"""


def test_xml_other_types_are_skipped_with_name_type_and_line():
    result = moodle_xml.parse(XML_OTHER_TYPES, filename="mixed.xml")

    assert result.errors == []
    assert result.skipped == [
        Skipped("Match", "matching", 4),
        Skipped("Number", "numerical", 6),
        Skipped("Read this first", "description", 8),
        Skipped("Gaps", "cloze", 11),
    ]
    [question] = result.questions
    assert (question.title, question.qtype, question.answer) == (
        "Plain & two",
        "multiple",
        ["A", "B"],
    )
    assert [option.weight for option in question.options] == [50, 50, -50]
    assert question.stem_html == "1 &lt; 2?<br>\nreally"
    assert question.tags == ["maths", "easy"]
    assert question.category_path == ["Mixed"]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>', 4),
        (b'<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "b">]>\n<quiz>&a;</quiz>', 0),
        (b"<?xml version='1.0'?>\n<questions/>", 1),
        (b'<?xml version="1.0" encoding="no-such-thing"?><quiz/>', 0),
    ],
)
def test_xml_unreadable_files(data, line):
    result = moodle_xml.parse(data, filename="bad.xml")
    assert result.questions == []
    [problem] = result.errors
    assert problem.line == line
    assert problem.message


def test_xml_in_a_declared_chinese_encoding():
    text = (
        '<?xml version="1.0" encoding="GB2312"?><quiz><question type="truefalse">'
        '<name><text>党章</text></name><questiontext format="html"><text>党员有表决权。</text>'
        '</questiontext><answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    )
    result = moodle_xml.parse(text.encode("gb2312"), filename="gb.xml")
    assert result.errors == []
    assert [(q.title, q.stem_html, q.answer) for q in result.questions] == [
        ("党章", "党员有表决权。", True)
    ]


def test_questions_without_text_are_invalid():
    result = gift.parse("{T}\n\n::Named::{=a ~b}\n", filename="x.gift")
    assert [p.line for p in result.errors] == [1, 3]
    assert "Named" in result.errors[1].message
    xml = (
        "<quiz><question type='truefalse'><questiontext><text/></questiontext>"
        "<answer fraction='100'><text>true</text></answer></question></quiz>"
    )
    assert [p.line for p in moodle_xml.parse(xml, filename="x.xml").errors] == [1]
