"""Where uploaded files live: a local folder or an S3-compatible bucket.

One :class:`Storage` per app, made in ``create_app`` from the settings
(:func:`storage_from_config`) and reached with :func:`current_storage`; nothing
reads the settings at import time. ``STORAGE_URL`` unset (the default) keeps the
files in ``UPLOAD_FOLDER`` (default ``instance/uploads``); ``s3://bucket/prefix``
keeps them in that bucket, under that prefix, through boto3, with
``STORAGE_ENDPOINT_URL`` (any S3-compatible service: MinIO, the object storage
of Alibaba, Tencent, Huawei clouds...), ``STORAGE_ACCESS_KEY``,
``STORAGE_SECRET_KEY``, ``STORAGE_REGION`` and ``STORAGE_ADDRESSING_STYLE``.
With several app machines every one of them must use the same bucket.

Files are named by *keys*: relative paths with ``/`` between parts (no empty,
``.`` or ``..`` part, no part starting with a dot). The keys in use:

=========================================  ================================================
``<committee id>/<sha256>.<ext>``           reading images (``readings.Upload.stored_name``)
``meetings/<committee id>/<sha256>.<ext>``  meeting attachments
``quiz-media/<bank id>/<sha256>.<ext>``     images and sounds of questions
``imports/…``, ``quiz-imports/…``           uploads held between an import's preview and its
                                            confirmation (an hour at most; not worth a backup)
=========================================  ================================================

Files are served through the app (:func:`send_stored`), never by a link into the
bucket: the same access checks, headers (``nosniff``, the sandboxing CSP,
caching) and URLs whichever the storage, and the bucket stays private. A bucket
is read in ranges, so seeking in a sound and resumed downloads work as with a
local file.

A backup lists everything with ``storage.list()`` and reads each file with
``storage.open(key)``; a restore writes them back with ``storage.save(key, stream)``."""

from __future__ import annotations

from studyhub.web.storage.app import current_storage as current_storage
from studyhub.web.storage.app import init_storage as init_storage
from studyhub.web.storage.app import send_stored as send_stored
from studyhub.web.storage.app import storage_from_config as storage_from_config
from studyhub.web.storage.base import CHUNK as CHUNK
from studyhub.web.storage.base import EXTENSION as EXTENSION
from studyhub.web.storage.base import Data as Data
from studyhub.web.storage.base import Storage as Storage
from studyhub.web.storage.base import StorageError as StorageError
from studyhub.web.storage.base import StoredFile as StoredFile
from studyhub.web.storage.base import check_key as check_key
from studyhub.web.storage.local import LocalStorage as LocalStorage
from studyhub.web.storage.s3 import S3Storage as S3Storage
