"""Writing and publishing plans: fields, materials, targets, the test, deadline overrides.

A plan is a draft until published. Publishing checks that it can be followed
(something to study or a test, a due date after the start, units to give it
to, materials and test that members can open), tells every member concerned
once (one set-based insert into the outbox, keyed ``plan-published:<id>``) and
gives the test to the same units. Changing the targets of a published plan
tells and gives the test to the members newly covered, again once each.

Publishing, every change to a published plan (fields, materials, targets) and
each deadline extension granted or withdrawn are recorded in the audit log
(the committee's; an extension in its branch's), in the act's transaction."""

from __future__ import annotations

from studyhub.plans.services.plans.editing import GUIDANCE_MAX as GUIDANCE_MAX
from studyhub.plans.services.plans.editing import PUBLISHED_KIND as PUBLISHED_KIND
from studyhub.plans.services.plans.editing import REASON_MAX as REASON_MAX
from studyhub.plans.services.plans.editing import TITLE_MAX as TITLE_MAX
from studyhub.plans.services.plans.editing import PlanFields as PlanFields
from studyhub.plans.services.plans.editing import create_plan as create_plan
from studyhub.plans.services.plans.editing import default_title as default_title
from studyhub.plans.services.plans.editing import fields_of as fields_of
from studyhub.plans.services.plans.editing import quarter_of as quarter_of
from studyhub.plans.services.plans.editing import update_plan as update_plan
from studyhub.plans.services.plans.extensions import find_member as find_member
from studyhub.plans.services.plans.extensions import grant_extension as grant_extension
from studyhub.plans.services.plans.extensions import revoke_extension as revoke_extension
from studyhub.plans.services.plans.materials import add_material as add_material
from studyhub.plans.services.plans.materials import move_material as move_material
from studyhub.plans.services.plans.materials import remove_material as remove_material
from studyhub.plans.services.plans.publishing import publish_plan as publish_plan
from studyhub.plans.services.plans.publishing import publish_problems as publish_problems
from studyhub.plans.services.plans.publishing import set_targets as set_targets
