"""The registry of score dimensions: every dimension, built-in or the committee's own, is one
entry here, so the next dimension is one small change.

- :data:`BUILTIN`: the four activity measures, each a function of the member's figures row
  (:func:`studyhub.reports.queries.member_figures`).
- :data:`SOURCES`: how a committee dimension's raw value is obtained (entered, imported,
  computed from member data, the 民主评议 rating); each returns user id → value for a quarter.
- :func:`mapping.to_figure`: how a raw value becomes 0–100 points.

:func:`registry.custom_figures` gives, for a quarter, each committee dimension's figures per
member; the scoring then weighs built-in and committee dimensions alike.
"""

from __future__ import annotations

from studyhub.reports.dimensions.builtin import BUILTIN as BUILTIN
from studyhub.reports.dimensions.mapping import RATING_VALUES as RATING_VALUES
from studyhub.reports.dimensions.mapping import to_figure as to_figure
from studyhub.reports.dimensions.registry import SOURCES as SOURCES
from studyhub.reports.dimensions.registry import code_of as code_of
from studyhub.reports.dimensions.registry import custom_figures as custom_figures
from studyhub.reports.dimensions.registry import dimension_of as dimension_of
from studyhub.reports.dimensions.registry import scheme_dimensions as scheme_dimensions
