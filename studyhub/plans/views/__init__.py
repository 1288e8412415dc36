"""Plan pages: members' plans and the plan page, staff's editing and publishing, the share
link and poster, and the home page's "To do" panel; each submodule adds the pages of one
concern (``member``, ``manage``, ``extensions``, ``sharing``; ``common`` holds the blueprint).

Who sees a plan: staff of its committee (drafts too), the members it is for and
the leaders of its branches once it is published; anyone else gets 404, as if
it did not exist (``plans.access`` loads the URL's plan).
"""

from __future__ import annotations

from studyhub.plans.views import extensions, manage, member, sharing  # noqa: F401
from studyhub.plans.views.common import bp as bp
