"""Roster pages: the organisation tree, a unit's members, member records, appointments.

Each submodule adds the pages of one concern: ``units`` (the tree, a unit's page,
appointments), ``members``, ``slips`` (activation slips) and ``roster_import``;
``common`` holds the blueprint and what every page shares.
"""

from __future__ import annotations

from studyhub.org.views import members, roster_import, slips, units  # noqa: F401
from studyhub.org.views.common import bp as bp
from studyhub.org.views.common import grants as grants
from studyhub.org.views.common import managed_committee as managed_committee
