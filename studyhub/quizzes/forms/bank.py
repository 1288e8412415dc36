"""Forms of question banks: banks, categories, questions, import (shape only)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from studyhub.quizzes.importers.model import KEYS
from studyhub.quizzes.models import (
    MatchRule,
    QuestionType,
)
from studyhub.quizzes.services.bank import QuestionFields, split_tags

# Banks, categories, questions, import and export (Q-bank) --------------------------------

QTYPE_LABELS = {
    QuestionType.SINGLE: _l("Single choice"),
    QuestionType.MULTIPLE: _l("Multiple choice"),
    QuestionType.TRUEFALSE: _l("True/false"),
    QuestionType.FILLIN: _l("Fill-in"),
    QuestionType.ESSAY: _l("Essay"),
}
#: Names of the question types files may hold that a bank does not (listed as skipped).
OTHER_TYPE_LABELS = {
    "description": _l("Description (no question)"),
    "matching": _l("Matching"),
    "numerical": _l("Numerical"),
    "cloze": _l("Cloze (embedded answers)"),
    "calculated": _l("Calculated"),
    "calculatedsimple": _l("Calculated"),
    "calculatedmulti": _l("Calculated"),
    "ddwtos": _l("Drag and drop"),
    "gapselect": _l("Select missing words"),
    "randomsamatch": _l("Random matching"),
    "unknown": _l("Unknown"),
}
MATCH_RULE_LABELS = {
    MatchRule.TRAILING_PUNCTUATION: _l("Ignore punctuation at the end (。，、)"),
    MatchRule.SEPARATORS: _l("Treat 、，,；; as the same separator"),
    MatchRule.QUOTES: _l("《》 and quotation marks may be left out"),
    MatchRule.SPACES: _l("Ignore spaces inside Chinese text"),
}
DIFFICULTY_LABELS = {
    1: _l("1 – very easy"),
    2: _l("2 – easy"),
    3: _l("3 – medium"),
    4: _l("4 – hard"),
    5: _l("5 – very hard"),
}
FORMAT_LABELS = {
    "auto": _l("Detect from the file"),
    "xlsx": _l("XLSX template"),
    "csv": _l("CSV (the template's columns)"),
    "gift": "GIFT",
    "aiken": "Aiken",
    "moodle-xml": "Moodle XML",
}
IMPORT_EXTENSIONS = ("xlsx", "xlsm", "csv", "txt", "gift", "xml", "aiken")
_RUBRIC_LINE = re.compile(r"^(?P<criterion>.*?)\s*[:：]\s*(?P<points>[^:：]*?)\s*分?$")
STEM_MAX = 20_000
OPTION_MAX = 2_000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _rule_choices() -> list[SelectChoice]:
    return [SelectChoice(rule.value, label) for rule, label in MATCH_RULE_LABELS.items()]


class BankForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the bank's name.")), Length(max=100)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    match_rules = MultiCheckboxField(
        _l("Fill-in matching for new questions"),
        choices=[],
        validators=[Optional()],
        description=_l("The default of each new fill-in question; each question can change it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.match_rules.choices = _rule_choices()


class CategoryForm(FlaskForm):
    path = StringField(
        _l("New category"),
        validators=[DataRequired(_l("Enter the category's name.")), Length(max=500)],
        description=_l(
            "Separate levels with /, e.g. 党史/新民主主义革命时期; missing levels are created."
        ),
    )


class RenameCategoryForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the category's name.")), Length(max=100)]
    )


class MoveCategoryForm(FlaskForm):
    parent_id = SelectField(_l("Move under"), coerce=int, choices=[], default=0)


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""


class QuestionFilterForm(FlaskForm):
    """The search and filters of a bank's question list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), coerce=int, choices=[], default=0)
    qtype = SelectField(
        _l("Type"),
        choices=[
            SelectChoice("", _l("All types")),
            *(SelectChoice(t.value, label) for t, label in QTYPE_LABELS.items()),
        ],
        default="",
    )
    tag = SelectField(_l("Tag"), choices=[], default="")
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=int,
        choices=[
            SelectChoice(0, _l("Any difficulty")),
            *(SelectChoice(n, label) for n, label in DIFFICULTY_LABELS.items()),
        ],
        default=0,
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("live", _l("In use")),
            SelectChoice("retired", _l("Retired")),
            SelectChoice("all", _l("All")),
        ],
        default="live",
    )


class QuestionForm(FlaskForm):
    """A question: the fields of every type; the page shows those of the chosen type."""

    qtype = RadioField(
        _l("Type"),
        choices=[SelectChoice(t.value, label) for t, label in QTYPE_LABELS.items()],
        default=QuestionType.SINGLE.value,
        validators=[DataRequired(_l("Choose the type."))],
    )
    title = StringField(
        _l("Short title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional; shown in the bank's list, never to members."),
    )
    text_format = SelectField(
        _l("Written in"),
        choices=[SelectChoice("markdown", _l("Markdown")), SelectChoice("html", _l("HTML"))],
        default="markdown",
    )
    stem = TextAreaField(
        _l("Question"),
        validators=[DataRequired(_l("Enter the question.")), Length(max=STEM_MAX)],
        description=_l("Fill-in: mark each blank with ____ (three or more underscores) or （ ）."),
    )
    option_a = StringField(_l("Option A"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_b = StringField(_l("Option B"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_c = StringField(_l("Option C"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_d = StringField(_l("Option D"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_e = StringField(_l("Option E"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_f = StringField(_l("Option F"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_g = StringField(_l("Option G"), validators=[Optional(), Length(max=OPTION_MAX)])
    option_h = StringField(_l("Option H"), validators=[Optional(), Length(max=OPTION_MAX)])
    single_answer = RadioField(
        _l("Right option"), choices=[SelectChoice(k, k) for k in KEYS], validators=[Optional()]
    )
    multiple_answer = MultiCheckboxField(
        _l("Right options"), choices=[SelectChoice(k, k) for k in KEYS], validators=[Optional()]
    )
    truefalse_answer = RadioField(
        _l("The statement is"),
        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validators=[Optional()],
    )
    fillin_answer = TextAreaField(
        _l("Accepted answers"),
        validators=[Optional(), Length(max=5000)],
        description=_l(
            "One line per blank, in order; several accepted answers for one blank "
            "separated by |, e.g. 中国共产党|中共."
        ),
    )
    model_answer = TextAreaField(
        _l("Model answer"),
        validators=[Optional(), Length(max=STEM_MAX)],
        description=_l("Optional; shown to markers, and to members when answers are shown."),
    )
    rubric = TextAreaField(
        _l("Rubric"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Optional; one criterion per line with its points, e.g. 写出两项义务:2"),
    )
    match_rules = MultiCheckboxField(
        _l("Fair matching"),
        choices=[],
        validators=[Optional()],
        description=_l("How typed answers are compared with the accepted ones."),
    )
    explanation = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=STEM_MAX)])
    category_id = SelectField(_l("Category"), coerce=int, choices=[], default=0)
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=int,
        choices=[
            SelectChoice(0, _l("Not set")),
            *(SelectChoice(n, label) for n, label in DIFFICULTY_LABELS.items()),
        ],
        default=0,
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=300)],
        description=_l("Separate tags with commas or 、."),
    )

    OPTION_FIELDS = tuple(f"option_{key.lower()}" for key in KEYS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.match_rules.choices = _rule_choices()

    def rubric_rows(self) -> list[dict[str, object]]:
        """The rubric lines as rows; a line without points keeps them empty (an error later)."""
        rows: list[dict[str, object]] = []
        for line in (self.rubric.data or "").splitlines():
            if not line.strip():
                continue
            match = _RUBRIC_LINE.match(line.strip())
            if match is None:
                rows.append({"criterion": line.strip(), "points": None})
            else:
                rows.append({"criterion": match["criterion"], "points": match["points"] or None})
        return rows

    def option_fields(self) -> list:
        return [self[name] for name in self.OPTION_FIELDS]

    def to_fields(self) -> QuestionFields:
        """The typed values the service takes; only the chosen type's answer is read."""
        qtype = QuestionType(self.qtype.data)
        texts = [(f.data or "").strip() for f in self.option_fields()]
        while texts and not texts[-1]:
            texts.pop()
        answer: object
        if qtype == QuestionType.SINGLE:
            answer = self.single_answer.data or ""
        elif qtype == QuestionType.MULTIPLE:
            answer = list(self.multiple_answer.data or [])
        elif qtype == QuestionType.TRUEFALSE:
            answer = {"true": True, "false": False}.get(self.truefalse_answer.data or "")
        elif qtype == QuestionType.ESSAY:
            answer = None
        else:
            answer = [
                [text.strip() for text in line.split("|") if text.strip()]
                for line in (self.fillin_answer.data or "").splitlines()
                if line.strip()
            ]
        return QuestionFields(
            qtype=qtype,
            stem=self.stem.data or "",
            text_format="html" if self.text_format.data == "html" else "markdown",
            options=texts if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE) else (),
            answer=answer,
            explanation=self.explanation.data or "",
            title=self.title.data or None,
            category_id=self.category_id.data or None,
            difficulty=self.difficulty.data or None,
            tags=split_tags(self.tags.data),
            model_answer=self.model_answer.data or "" if qtype == QuestionType.ESSAY else "",
            rubric=self.rubric_rows() if qtype == QuestionType.ESSAY else (),
            match_rules=list(self.match_rules.data or []),
        )


class ImportForm(FlaskForm):
    file = FileField(_l("Question file"), validators=[FileRequired(_l("Choose a file."))])
    file_format = SelectField(
        _l("Format"),
        choices=[SelectChoice(k, label) for k, label in FORMAT_LABELS.items()],
        default="auto",
    )
    category = StringField(
        _l("Import into category"),
        validators=[Optional(), Length(max=500)],
        description=_l("Optional, e.g. 党史/导入; the file's own categories go below it."),
    )
    skip_invalid = BooleanField(_l("Skip invalid questions and import the others"))


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    filename = HiddenField()
    file_format = HiddenField()
    category = HiddenField()
    skip_invalid = HiddenField()
    confirm_warnings = BooleanField(
        _l("I have checked the warnings: import these questions as they are")
    )
