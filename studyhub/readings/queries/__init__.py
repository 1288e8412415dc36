"""Reusable queries over readings; each returns a ``Select`` scoped to a committee or a user.

The parts, by the pages and jobs they serve: :mod:`.common`, :mod:`.member`, :mod:`.history`,
:mod:`.branch` and :mod:`.library`; every public name is importable from here.
"""

from studyhub.readings.queries.branch import branch_study as branch_study
from studyhub.readings.queries.common import is_visible as is_visible
from studyhub.readings.queries.common import like_pattern as like_pattern
from studyhub.readings.queries.history import HISTORY_BRIEF_LIMIT as HISTORY_BRIEF_LIMIT
from studyhub.readings.queries.history import HISTORY_LOOKAHEAD_DAYS as HISTORY_LOOKAHEAD_DAYS
from studyhub.readings.queries.history import history_entry as history_entry
from studyhub.readings.queries.history import history_of_committee as history_of_committee
from studyhub.readings.queries.history import history_of_month as history_of_month
from studyhub.readings.queries.history import history_on as history_on
from studyhub.readings.queries.history import history_soon as history_soon
from studyhub.readings.queries.history import history_soon_params as history_soon_params
from studyhub.readings.queries.library import column_sizes as column_sizes
from studyhub.readings.queries.library import columns_of as columns_of
from studyhub.readings.queries.library import daily_schedule as daily_schedule
from studyhub.readings.queries.library import library_readings as library_readings
from studyhub.readings.queries.library import status_is as status_is
from studyhub.readings.queries.library import tags_of as tags_of
from studyhub.readings.queries.library import upload_by_name as upload_by_name
from studyhub.readings.queries.library import uploads_of as uploads_of
from studyhub.readings.queries.member import archive_columns as archive_columns
from studyhub.readings.queries.member import column_archive as column_archive
from studyhub.readings.queries.member import daily_archive as daily_archive
from studyhub.readings.queries.member import daily_count as daily_count
from studyhub.readings.queries.member import daily_reading as daily_reading
from studyhub.readings.queries.member import daily_summary as daily_summary
from studyhub.readings.queries.member import reading_page as reading_page
from studyhub.readings.queries.member import reading_page_and_receipt as reading_page_and_receipt
from studyhub.readings.queries.member import receipt_of as receipt_of
from studyhub.readings.queries.member import receipts_of as receipts_of
from studyhub.readings.queries.member import studied_among as studied_among
from studyhub.readings.queries.member import studied_days as studied_days
