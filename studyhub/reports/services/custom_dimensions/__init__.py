"""A committee's own score dimensions: adding, editing and removing them, entering and
importing their values, and the scores of a scheme of its own (e.g. the five-dimension
优秀合格党员 rating).

A closed quarter stays frozen: its values can no longer be entered or imported.

Editing changes the name, weight, mapping and quarters (not how the value is obtained nor
the scheme: the values already kept depend on them). Removing a dimension deletes it with
its values while nothing has been built on it yet; once a closed quarter counted it (the
quarter was closed after the dimension was added, or it holds values of a closed quarter)
or a competition ranks by it, removing archives it instead: it stops counting in open
quarters and new competitions, and its values stay for the record of the closed quarters.
Every change, and every save of entered values and every import (one entry each, not one
per row), is in the committee's audit log.
"""

from __future__ import annotations

from studyhub.reports.services.custom_dimensions.schemes import SchemeScore as SchemeScore
from studyhub.reports.services.custom_dimensions.schemes import (
    frozen_explanations as frozen_explanations,
)
from studyhub.reports.services.custom_dimensions.schemes import scheme_columns as scheme_columns
from studyhub.reports.services.custom_dimensions.schemes import scheme_scores as scheme_scores
from studyhub.reports.services.custom_dimensions.schemes import schemes_of as schemes_of
from studyhub.reports.services.custom_dimensions.setup import MAPPING_KINDS as MAPPING_KINDS
from studyhub.reports.services.custom_dimensions.setup import add_dimension as add_dimension
from studyhub.reports.services.custom_dimensions.setup import edit_dimension as edit_dimension
from studyhub.reports.services.custom_dimensions.setup import is_built_upon as is_built_upon
from studyhub.reports.services.custom_dimensions.setup import remove_dimension as remove_dimension
from studyhub.reports.services.custom_dimensions.values import ImportProblem as ImportProblem
from studyhub.reports.services.custom_dimensions.values import ImportRefused as ImportRefused
from studyhub.reports.services.custom_dimensions.values import enter_values as enter_values
from studyhub.reports.services.custom_dimensions.values import import_values as import_values
from studyhub.reports.services.custom_dimensions.values import parse_value as parse_value
