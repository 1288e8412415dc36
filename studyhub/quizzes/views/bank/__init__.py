"""Question-bank pages, for committee staff; and the media page questions show from.

Banks, their category tree, the question list with search and filters, the
question form (the fields of every type; a little JavaScript shows those of the
chosen type), the preview as a member sees a question, retiring, the import
with a preview before anything is stored, and the export to the XLSX template.
Every page belongs to one committee and asks for the right to manage it. The
media page serves a bank's images and sounds to the committee's members too.

``common`` loads objects with the access check; ``banks`` (banks, categories),
``questions`` and ``transfer`` (import, export, template, media) add the pages.
"""

from studyhub.quizzes.views.bank import banks, common, questions, transfer  # noqa: F401
from studyhub.quizzes.views.bank.common import media_url as media_url
