"""A parsed question's embedded files: links in its text become media-page URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from flask_babel import lazy_gettext as _l

from studyhub.core.errors import DomainError
from studyhub.quizzes.importers.model import MEDIA_SCHEME, ParsedQuestion
from studyhub.quizzes.services import content, media

_MEDIA_REF = re.compile(re.escape(MEDIA_SCHEME) + r"""[^"'\s<>]*""")
_AUDIO_LINK = re.compile(
    r"""<a\b[^>]*\bhref=(["'])(?P<ref>""" + re.escape(MEDIA_SCHEME) + r"""[^"']*)\1[^>]*>.*?</a>""",
    re.S | re.I,
)


class MediaLinks:
    """A question's embedded files: their links in its text become media-page URLs."""

    def __init__(self, bank_id: int, parsed: ParsedQuestion, media_url: media.MediaUrl) -> None:
        self.bank_id = bank_id
        self.media_url = media_url
        self.given = {item.name: item for item in parsed.media}
        self.files: dict[str, media.MediaFile] = {}
        self.used: list[media.MediaFile] = []

    def resolve(self, html: str, name: Any) -> str:
        if MEDIA_SCHEME in html:
            html = _AUDIO_LINK.sub(lambda m: self._audio_link(m, name), html)
            html = _MEDIA_REF.sub(lambda m: self._url(m.group(0), name), html)
        return content.clean(html)

    def _file(self, ref: str, name: Any) -> media.MediaFile | None:
        filename = unquote(ref[len(MEDIA_SCHEME) :])
        if filename in self.files:
            return self.files[filename]
        given = self.given.get(filename)
        if given is None:
            return None  # a link to nothing: the sanitiser drops the unknown scheme
        file = media.prepare(filename, given.data)
        if file is None:
            raise DomainError(
                f"“{name}”: "
                + str(
                    _l(
                        "%(file)s is not an image or a sound that can be shown "
                        "(PNG, JPEG, GIF, WebP, MP3, Ogg, WAV, M4A).",
                        file=filename,
                    )
                )
            )
        self.files[filename] = file
        if all(f.sha256 != file.sha256 for f in self.used):
            self.used.append(file)
        return file

    def _url(self, ref: str, name: Any) -> str:
        file = self._file(ref, name)
        return self.media_url(file.stored_name(self.bank_id)) if file else ref

    def _audio_link(self, match: re.Match[str], name: Any) -> str:
        """A link to a sound stays a link and gains a player after it."""
        file = self._file(match.group("ref"), name)
        if file is None or not file.kind.is_audio:
            return match.group(0)
        url = self.media_url(file.stored_name(self.bank_id))
        return f'{match.group(0)}<audio controls preload="none" src="{url}"></audio>'
