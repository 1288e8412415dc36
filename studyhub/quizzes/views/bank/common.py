"""Loading a bank, category or question with the staff check; labels for the bank pages."""

from __future__ import annotations

from flask import (
    url_for,
)
from wtforms import SelectChoice

from studyhub.quizzes.forms import (
    DIFFICULTY_LABELS,
    OTHER_TYPE_LABELS,
    QTYPE_LABELS,
)
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.views import bp

PER_PAGE = 20
PREVIEW_QUESTIONS = 10
MEDIA_CACHE = "private, max-age=31536000, immutable"  # the name is the content's hash
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def inject_question_labels():
    return {
        "qtype_labels": QTYPE_LABELS,
        "difficulty_labels": DIFFICULTY_LABELS,
        "other_type_labels": OTHER_TYPE_LABELS,
    }


def media_url(stored_name: str) -> str:
    bank_id, name = stored_name.split("/", 1)
    return url_for("quizzes.media", bank_id=int(bank_id), name=name)


def category_choices(tree: list[bank_service.CategoryNode], empty: str) -> list[SelectChoice]:
    return [SelectChoice(0, empty), *(SelectChoice(node.id, node.label) for node in tree)]
