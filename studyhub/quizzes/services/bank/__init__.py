"""Question banks, their categories and tags, and the questions in them.

``banks``: banks, categories and the category tree; ``questions``: questions
and their versions, tags, retirement and the audit of changes. Everything is
re-exported here, so callers write ``bank_service.create_question``.
"""

from studyhub.quizzes.services.bank.banks import (
    BANK_NAME_MAX,
    CATEGORY_NAME_MAX,
    DIFFICULTIES,
    PATH_SEPARATOR,
    TAG_NAME_MAX,
    TAGS_MAX,
    TITLE_MAX,
    CategoryNode,
    bank_by_name,
    category_names,
    category_tree,
    clean_match_rules,
    create_bank,
    create_category,
    ensure_category,
    move_category,
    rename_category,
    split_path,
    update_bank,
)
from studyhub.quizzes.services.bank.changes import published_quizzes_using
from studyhub.quizzes.services.bank.questions import (
    QuestionFields,
    build_content,
    check_content,
    content_of,
    create_question,
    is_question_used,
    is_version_used,
    replace_content,
    set_retired,
    update_question,
    with_bank_rules,
)
from studyhub.quizzes.services.bank.tags import clean_tags, set_tags, split_tags, tags_of

__all__ = [
    "BANK_NAME_MAX",
    "CATEGORY_NAME_MAX",
    "DIFFICULTIES",
    "PATH_SEPARATOR",
    "TAGS_MAX",
    "TAG_NAME_MAX",
    "TITLE_MAX",
    "CategoryNode",
    "QuestionFields",
    "bank_by_name",
    "build_content",
    "category_names",
    "category_tree",
    "check_content",
    "clean_match_rules",
    "clean_tags",
    "content_of",
    "create_bank",
    "create_category",
    "create_question",
    "ensure_category",
    "is_question_used",
    "is_version_used",
    "move_category",
    "published_quizzes_using",
    "rename_category",
    "replace_content",
    "set_retired",
    "set_tags",
    "split_path",
    "split_tags",
    "tags_of",
    "update_bank",
    "update_question",
    "with_bank_rules",
]
