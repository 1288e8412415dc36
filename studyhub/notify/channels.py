"""Group chat robots: the request each platform expects, signed as its documentation says.

- WeCom (企业微信) group robot: ``POST`` the webhook address (it carries the key) with
  ``{"msgtype": "text", "text": {"content": …}}``; unsigned. Answers
  ``{"errcode": 0, "errmsg": "ok"}``.
- DingTalk (钉钉) custom robot with 加签: the string to sign is
  ``"<timestamp in ms>\\n<secret>"``, HMAC-SHA256 keyed with the secret, base64, then
  URL-encoded, added to the address as ``&timestamp=…&sign=…``. Same body and answer as
  WeCom.
- Feishu (飞书) custom bot with 签名校验: HMAC-SHA256 keyed with
  ``"<timestamp in s>\\n<secret>"`` over an empty message, base64, sent in the body as
  ``timestamp`` and ``sign`` beside ``{"msg_type": "text", "content": {"text": …}}``.
  Answers ``{"code": 0, …}``.

Only ``jobs.deliver_channels`` posts; a request never waits for a chat platform.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote_plus, urlsplit

from studyhub.notify.models import ChannelKind

HTTP_TIMEOUT_SECONDS = 10


class ChannelError(Exception):
    """The platform did not take the message; ``permanent`` when sending again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Post:
    """One HTTP request to a robot."""

    url: str
    body: dict


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` parameter, already URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign`` field: the key is "timestamp\\nsecret", the message empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def text_of(text: str, link: str | None) -> str:
    return f"{text}\n{link}" if link else text


def build_post(
    kind: ChannelKind, webhook_url: str, secret: str | None, *, text: str, now: datetime
) -> Post:
    """The request that posts ``text`` to a robot of ``kind`` at ``now``."""
    if kind == ChannelKind.WECOM:
        return Post(webhook_url, {"msgtype": "text", "text": {"content": text}})
    if kind == ChannelKind.DINGTALK:
        url = webhook_url
        if secret:
            ts = int(now.timestamp() * 1000)
            sep = "&" if urlsplit(url).query else "?"
            url = f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
        return Post(url, {"msgtype": "text", "text": {"content": text}})
    if kind == ChannelKind.FEISHU:
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = int(now.timestamp())
            body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
        return Post(webhook_url, body)
    raise ValueError(f"unknown channel kind {kind!r}")


# Posts one request; raises ChannelError when the platform refuses it.
Poster = Callable[[Post], None]


def http_post(post: Post) -> None:
    """Send ``post`` as JSON and check the platform's answer (HTTP status and error code)."""
    data = json.dumps(post.body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        post.url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the response: close its socket
        # 4xx: the address or the request is wrong (sending again will not help), except
        # 429 (too many messages a minute: the robots' rate limit).
        permanent = 400 <= exc.code < 500 and exc.code != 429
        raise ChannelError(f"HTTP {exc.code}", permanent=permanent) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ChannelError("the platform's answer is not JSON") from exc
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage")
        raise ChannelError(f"error {code}: {message}")


def mask(value: str | None, keep: int = 4) -> str:
    """A credential as pages show it: its last ``keep`` characters only."""
    if not value:
        return ""
    if len(value) <= keep * 2:
        return "•" * len(value)
    return "•" * 8 + value[-keep:]


# Where each platform's robots live: a webhook address elsewhere is refused, so the
# server never posts to an address a form made up (an internal service, say).
PLATFORM_HOSTS = {
    ChannelKind.WECOM: ("qyapi.weixin.qq.com",),
    ChannelKind.DINGTALK: ("oapi.dingtalk.com",),
    ChannelKind.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
}


def is_webhook_url(value: str, kind: ChannelKind) -> bool:
    """An https address on the platform's own host."""
    parts = urlsplit(value)
    return parts.scheme == "https" and (parts.hostname or "") in PLATFORM_HOSTS[kind]
