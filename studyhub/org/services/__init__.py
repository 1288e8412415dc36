"""Operations on the tree, the roster and appointments. Callers commit."""

from __future__ import annotations

from studyhub.org.services.members import MEMBER_FIELDS as MEMBER_FIELDS
from studyhub.org.services.members import MEMBER_NO_RE as MEMBER_NO_RE
from studyhub.org.services.members import PHONE_RE as PHONE_RE
from studyhub.org.services.members import MemberFields as MemberFields
from studyhub.org.services.members import add_member as add_member
from studyhub.org.services.members import check_member_fields as check_member_fields
from studyhub.org.services.members import move_member as move_member
from studyhub.org.services.members import set_member_active as set_member_active
from studyhub.org.services.members import update_member as update_member
from studyhub.org.services.roles import ROLE_UNIT_KINDS as ROLE_UNIT_KINDS
from studyhub.org.services.roles import appoint as appoint
from studyhub.org.services.roles import revoke as revoke
from studyhub.org.services.units import COMMITTEE_DEFAULTS as COMMITTEE_DEFAULTS
from studyhub.org.services.units import create_committee as create_committee
from studyhub.org.services.units import create_unit as create_unit
from studyhub.org.services.units import move_unit as move_unit
from studyhub.org.services.units import rename_unit as rename_unit
