"""Bulk import of readings: an XLSX sheet or a folder of Markdown files with front matter.

Everything is read and checked first; only a file without a single problem is
written, in one transaction (the caller commits). Each problem names its row or
file. Importing the same file again changes nothing: a reading whose title is
already in the library with the same text (and the same day, when the row has
one) is skipped, and one with the same title but another text or day is
reported as a clash."""

from __future__ import annotations

from studyhub.readings.services.imports.checking import ImportSummary as ImportSummary
from studyhub.readings.services.imports.checking import ReadingPlan as ReadingPlan
from studyhub.readings.services.imports.checking import check_readings as check_readings
from studyhub.readings.services.imports.checking import library_columns as library_columns
from studyhub.readings.services.imports.reading_files import MAX_ROWS as MAX_ROWS
from studyhub.readings.services.imports.reading_files import MEDIA_URL_MAX as MEDIA_URL_MAX
from studyhub.readings.services.imports.reading_files import READING_ALIASES as READING_ALIASES
from studyhub.readings.services.imports.reading_files import READING_HEADERS as READING_HEADERS
from studyhub.readings.services.imports.reading_files import TITLE_MAX as TITLE_MAX
from studyhub.readings.services.imports.reading_files import ReadingRow as ReadingRow
from studyhub.readings.services.imports.reading_files import (
    read_markdown_folder as read_markdown_folder,
)
from studyhub.readings.services.imports.reading_files import read_readings as read_readings
from studyhub.readings.services.imports.reading_files import (
    read_readings_xlsx as read_readings_xlsx,
)
from studyhub.readings.services.imports.reading_files import (
    split_front_matter as split_front_matter,
)
from studyhub.readings.services.imports.writing import write_readings as write_readings
