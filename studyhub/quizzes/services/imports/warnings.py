"""Plausibility warnings: a valid question that still looks wrong.

An answer that is a program's leftover ("[object Object]", "undefined", "null",
"NaN", a spreadsheet error such as "#N/A"), two options with the same text (and
worse, the key on one of them), a stem that asks to pick one (哪项/哪个/以下/下列)
with no options. The import lists them with their lines and stores nothing until
the importer confirms them.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

from studyhub.quizzes.models import QuestionType
from studyhub.quizzes.services import content
from studyhub.quizzes.services.content import Content

BATCH = 500

#: Answers that are a program's leftovers, not what an author meant.
ARTEFACTS = frozenset(
    {"[object object]", "undefined", "null", "nan", "none", "#n/a", "#value!", "#ref!",
     "#name?", "#div/0!", "[object]", "object object"}
)  # fmt: skip
_ASKS_FOR_OPTION = re.compile(r"哪项|哪个|哪些|哪一|以下|下列")
_ASKS_WHICH = re.compile(r"哪项|哪个|哪些|哪一")


def warnings_of(built: Content) -> list[str]:
    """What looks wrong about a valid question's content (see the module's docstring)."""
    found: list[Any] = []
    qtype = built.qtype
    texts: list[str] = []
    if qtype == QuestionType.FILLIN:
        texts = [text for blank in built.answer or [] for text in blank]
    if qtype == QuestionType.ESSAY and built.model_answer_html:
        texts.append(content.plain_text(built.model_answer_html))
    texts += [content.plain_text(option["html"]) for option in built.options]
    for text in texts:
        if text.strip().casefold() in ARTEFACTS:
            found.append(
                _l(
                    "“%(text)s” looks like a program's leftover, not an answer; "
                    "check the file's cell.",
                    text=text,
                )
            )
    if built.options:
        seen: dict[str, str] = {}
        right = built.answer if isinstance(built.answer, list) else [built.answer]
        for option in built.options:
            text = " ".join(content.plain_text(option["html"]).split()).casefold()
            if not text:
                continue
            if text in seen:
                first = seen[text]
                if option["key"] in right or first in right:
                    found.append(
                        _l(
                            "The answer is one of two identical options "
                            "(%(first)s and %(second)s).",
                            first=first,
                            second=option["key"],
                        )
                    )
                else:
                    found.append(
                        _l(
                            "Options %(first)s and %(second)s have the same text.",
                            first=first,
                            second=option["key"],
                        )
                    )
            else:
                seen[text] = option["key"]
    stem = content.plain_text(built.stem_html)
    pattern = _ASKS_WHICH if qtype == QuestionType.TRUEFALSE else _ASKS_FOR_OPTION
    if not built.options and qtype != QuestionType.ESSAY and pattern.search(stem):
        found.append(
            _l(
                "The question asks to pick one (哪项/哪个/以下…) but has no options; "
                "is it a choice question whose options were lost?"
            )
        )
    return [str(message) for message in found]
