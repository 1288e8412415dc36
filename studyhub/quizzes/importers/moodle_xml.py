"""Moodle XML (Moodle's own export format), parsed with defusedxml.

``<question type="category">`` switches the category (its ``$course$/``-style root
and Moodle's ``top`` removed; parents a file never declares are implied). Of the
questions, multichoice becomes single or multiple choice (by ``<single>`` and by how
many answers are worth 100%), truefalse true/false, shortanswer fill-in (answers
at 100% are accepted); general feedback is the explanation, answer feedback is kept
per option. Every other type is reported as skipped with its name, type and the
line of its ``<question>`` element. Files embedded as base64 become media, and each
``@@PLUGINFILE@@/name`` link becomes ``studyhub-media:name``. The XML parser decodes
entities; nothing is unescaped a second time.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from flask_babel import gettext as _

from studyhub.quizzes.importers.common import (
    Invalid,
    add_category,
    build_choice,
    first_words,
    media_ref,
    require_stem,
    split_category_path,
    to_html,
)
from studyhub.quizzes.importers.model import (
    FULL_WEIGHT,
    MEDIA_SCHEME,
    WEIGHT_TOLERANCE,
    ParsedMedia,
    ParsedQuestion,
    ParseResult,
    Problem,
    Skipped,
)

_FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain",
            "markdown": "markdown"}  # fmt: skip
_PLUGINFILE_RE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s)]*)")
_DECLARATION_RE = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_EXPAT_ENCODINGS = {
    "utf-8",
    "utf8",
    "utf-16",
    "utf16",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin-1",
}
_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"),
               (b"ID3", "audio/mpeg"), (b"\xff\xfb", "audio/mpeg"))  # fmt: skip


class _LineTreeBuilder(TreeBuilder):
    """Builds the tree and notes the line where each element starts."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber  # type: ignore[union-attr]
        return element


def parse(data: bytes | str, *, filename: str = "") -> ParseResult:
    result = ParseResult()
    try:
        root, lines = _tree(data)
    except Invalid as exc:
        result.errors.append(Problem(0, str(exc)))
        return result
    except ParseError as exc:
        result.errors.append(
            Problem(
                exc.position[0], _("The file is not well-formed XML: %(error)s", error=str(exc))
            )
        )
        return result
    if root.tag != "quiz":
        result.errors.append(
            Problem(1, _("This is not a Moodle XML file: it must start with <quiz>."))
        )
        return result
    category: tuple[str, ...] = ()
    for element in root.findall("question"):
        line = lines[element]
        qtype = element.get("type", "")
        if qtype == "category":
            category = _category(element, result)
            continue
        name = " ".join((element.findtext("name/text") or "").split())
        try:
            question = _Reader(element, name=name, line=line).read(qtype)
        except Invalid as exc:
            result.errors.append(Problem(line, str(exc)))
            continue
        if question is None:
            shown = name or first_words(element.findtext("questiontext/text") or "") or qtype
            result.skipped.append(Skipped(shown, qtype or "unknown", line))
            continue
        question.category_path = list(category)
        result.questions.append(question)
    return result


def _tree(data: bytes | str) -> tuple[Element, dict[Element, int]]:
    if isinstance(data, str):
        data = re.sub(r"^\ufeff?(<\?xml[^>]*?)encoding=[\"'][^\"']*[\"']", r"\1", data)
        data = data.encode()
    elif (declared := _DECLARATION_RE.match(data)) and (
        declared.group(2).decode().lower() not in _EXPAT_ENCODINGS
    ):
        encoding = declared.group(2).decode()
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise Invalid(
                _("The file says it is in %(encoding)s, but it is not.", encoding=encoding)
            ) from exc
        data = re.sub(r"^(<\?xml[^>]*?)encoding=[\"'][^\"']*[\"']", r"\1", text).encode()
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        raise Invalid(
            _("The file declares a DTD or XML entities, which question files never need.")
        ) from exc
    return root, builder.lines


def _category(element: Element, result: ParseResult) -> tuple[str, ...]:
    path = element.findtext("category/text")
    if path is None:  # very old exports put the path straight in <category>
        path = element.findtext("category") or ""
    names = split_category_path(path)
    info = element.find("info")
    info_html = ""
    if info is not None:
        text = info.findtext("text") or ""
        info_html = to_html(text, _FORMATS.get(info.get("format", "html"), "html"))
    idnumber = (element.findtext("idnumber") or "").strip()
    add_category(result.categories, names, idnumber=idnumber, info_html=info_html)
    return names


def _fraction(answer: Element) -> float:
    raw = answer.get("fraction", "0")
    try:
        return float(raw)
    except ValueError as exc:
        raise Invalid(_("“%(value)s” is not a weight.", value=raw)) from exc


def _is_full(weight: float) -> bool:
    return abs(weight - FULL_WEIGHT) <= WEIGHT_TOLERANCE


class _Reader:
    """One question: its texts with their files, then the parts of its type."""

    def __init__(self, element: Element, *, name: str, line: int) -> None:
        self.element = element
        self.title = name or None
        self.name = (
            name
            or first_words(element.findtext("questiontext/text") or "")
            or _("question on line %(line)d", line=line)
        )
        self.line = line
        self.media: list[ParsedMedia] = []

    def read(self, qtype: str) -> ParsedQuestion | None:
        build = {"multichoice": self._choice, "truefalse": self._truefalse,
                 "shortanswer": self._shortanswer, "essay": self._essay}.get(qtype)  # fmt: skip
        if build is None:
            return None
        element = self.element
        question = ParsedQuestion(
            qtype="truefalse",
            stem_html=require_stem(self.area(element.find("questiontext")), name=self.name),
            answer=False,
            title=self.title,
            explanation_html=self.area(element.find("generalfeedback")),
            line=self.line,
            idnumber=(element.findtext("idnumber") or "").strip() or None,
            tags=[
                text.strip()
                for text in (tag.findtext("text") or "" for tag in element.iterfind("tags/tag"))
                if text.strip()
            ],
        )
        build(question)
        question.media = self.media
        return question

    def area(self, element: Element | None) -> str:
        """The HTML of a text and its embedded files, links rewritten to the media."""
        if element is None:
            return ""
        local: dict[str, str] = {}
        for file in element.findall("file"):
            path = (file.get("path") or "/").strip("/")
            given = f"{path}/{file.get('name', '')}" if path else file.get("name", "")
            local[given] = self._add_media(given, file)

        def relink(match: re.Match[str]) -> str:
            given = unquote(match.group(1))
            return media_ref(local.get(given, given))

        text = _PLUGINFILE_RE.sub(relink, element.findtext("text") or "")
        text = text.replace("@@PLUGINFILE@@", MEDIA_SCHEME).strip()
        return to_html(text, _FORMATS.get(element.get("format", "html"), "html"))

    def _add_media(self, given: str, file: Element) -> str:
        if file.get("encoding", "base64") != "base64":
            raise Invalid(
                _("“%(name)s” embeds %(file)s in an unknown encoding.", name=self.name, file=given)
            )
        try:
            data = base64.b64decode("".join((file.text or "").split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Invalid(
                _(
                    "“%(name)s” embeds %(file)s, which is not valid base64.",
                    name=self.name,
                    file=given,
                )
            ) from exc
        name, counter = given, 1
        while True:
            same = next((media for media in self.media if media.name == name), None)
            if same is None:
                self.media.append(ParsedMedia(name, _mime(name, data), data))
                return name
            if same.data == data:
                return name
            counter += 1  # two different files with one name, in two of Moodle's file areas
            stem, dot, suffix = given.rpartition(".")
            name = f"{stem}-{counter}.{suffix}" if dot else f"{given}-{counter}"

    def _answers(self) -> list[Element]:
        return self.element.findall("answer")

    def _choice(self, question: ParsedQuestion) -> None:
        single = (self.element.findtext("single") or "true").strip().lower() in ("true", "1")
        answers = self._answers()
        choices = [(self.area(answer), _fraction(answer)) for answer in answers]
        qtype, options, right = build_choice(choices, single=single, name=self.name)
        question.qtype, question.options, question.answer = qtype, options, right
        feedback = (self.area(answer.find("feedback")) for answer in answers)
        question.feedback_html = {
            option.key: text for option, text in zip(options, feedback, strict=True) if text
        }

    def _truefalse(self, question: ParsedQuestion) -> None:
        found: dict[str, tuple[float, str]] = {}
        for answer in self._answers():
            value = (answer.findtext("text") or "").strip().lower()
            if value in ("true", "false"):
                found[value] = (_fraction(answer), self.area(answer.find("feedback")))
        right = [value for value, (weight, _text) in found.items() if _is_full(weight)]
        if len(right) != 1:
            raise Invalid(_("“%(name)s” does not say whether it is true or false.", name=self.name))
        question.answer = right[0] == "true"
        question.feedback_html = {value: text for value, (_w, text) in found.items() if text}

    def _essay(self, question: ParsedQuestion) -> None:
        """Moodle's information for graders is our model answer."""
        question.qtype = "essay"
        question.answer = None  # type: ignore[assignment]
        question.model_answer_html = self.area(self.element.find("graderinfo"))

    def _shortanswer(self, question: ParsedQuestion) -> None:
        accepted = [
            " ".join((answer.findtext("text") or "").split())
            for answer in self._answers()
            if _is_full(_fraction(answer))
        ]
        accepted = [text for text in accepted if text]
        if not accepted:
            raise Invalid(_("“%(name)s” has no answer accepted in full (100%%).", name=self.name))
        question.qtype = "fillin"
        question.answer = [accepted]


def _mime(name: str, data: bytes) -> str:
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
