"""Importing question files into a bank, and exporting a bank to the XLSX template.

``prepare`` checks a parsed file against the rules and the bank (new, changed,
unchanged, duplicate, skipped, invalid, warnings) and writes nothing; ``store``
writes a checked import all or nothing; ``export`` writes the template.
"""

from studyhub.quizzes.services.imports.export import export_questions
from studyhub.quizzes.services.imports.prepare import (
    COUNTS,
    ImportReport,
    PreparedImport,
    PreparedQuestion,
    prepare_import,
)
from studyhub.quizzes.services.imports.store import import_parse_result, store_import
from studyhub.quizzes.services.imports.warnings import warnings_of

__all__ = [
    "COUNTS",
    "ImportReport",
    "PreparedImport",
    "PreparedQuestion",
    "export_questions",
    "import_parse_result",
    "prepare_import",
    "store_import",
    "warnings_of",
]
