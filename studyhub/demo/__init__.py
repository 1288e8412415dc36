"""``studyhub demo``: a deterministic demo organisation, then a development server.

Each domain's demo data is loaded through its own services.

The parts: :mod:`.people` (the committee, its branches and logins), :mod:`.readings`,
:mod:`.quizzes`, :mod:`.plans`, :mod:`.meetings`; :mod:`.load` puts them together and
:mod:`.command` is the ``studyhub demo`` command.
"""

from __future__ import annotations

from studyhub.demo.load import load_demo
from studyhub.demo.people import BRANCHES, COMMITTEE, DEMO_PASSWORD
from studyhub.demo.plans import DEMO_PLAN_MATERIALS

__all__ = ["BRANCHES", "COMMITTEE", "DEMO_PASSWORD", "DEMO_PLAN_MATERIALS", "load_demo"]
