"""Text messages: a provider interface and Aliyun SMS (dysmsapi ``SendSms``).

A provider takes a phone number, a template's parameters and raises when the text
was not accepted. Aliyun SMS sends only approved templates: ``SMS_TEMPLATE_CODE``
names one with the parameters ``title`` and ``link`` (e.g. "${title}，请打开 ${link}"),
``SMS_SIGN_NAME`` the approved signature. The request is Aliyun's RPC style, signed with
signature version 1.0 (HMAC-SHA1): sort the parameters, percent-encode names and values
(RFC 3986), join them with ``&``, sign ``"POST&%2F&" + encode(that)`` with the key
``secret + "&"``, base64.

Settings (``STUDYHUB_`` + name in the environment): ``SMS_PROVIDER`` (``aliyun``),
``SMS_ACCESS_KEY_ID``, ``SMS_ACCESS_KEY_SECRET``, ``SMS_SIGN_NAME``,
``SMS_TEMPLATE_CODE``, ``SMS_ENDPOINT`` (default ``https://dysmsapi.aliyuncs.com/``).
Without ``SMS_PROVIDER`` no SMS is queued or sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

from studyhub.notify.channels import ChannelError

HTTP_TIMEOUT_SECONDS = 10
ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"


class SmsProvider(Protocol):
    def send(self, phone: str, params: Mapping[str, str], *, now: datetime) -> None:
        """Send one text; raise ``ChannelError`` when it was not accepted."""


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (``~`` kept, space as %20)."""
    return quote(value, safe="-_.~")


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class AliyunSms:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str
    endpoint: str = ALIYUN_ENDPOINT
    nonce: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)

    def request_params(
        self, phone: str, params: Mapping[str, str], *, now: datetime
    ) -> dict[str, str]:
        """The signed parameters of one ``SendSms`` call."""
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(dict(params), ensure_ascii=False, sort_keys=True),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, self.access_key_secret)
        return query

    def send(self, phone: str, params: Mapping[str, str], *, now: datetime) -> None:
        body = "&".join(
            f"{percent_encode(k)}={percent_encode(v)}"
            for k, v in self.request_params(phone, params, now=now).items()
        ).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            exc.close()  # the error carries the response: close its socket
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise ChannelError(f"HTTP {exc.code}", permanent=permanent) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as exc:
            raise ChannelError("the SMS service's answer is not JSON") from exc
        if answer.get("Code") != "OK":
            code = answer.get("Code")
            # Throttling is worth another try later; a bad number or template is not.
            permanent = not str(code).startswith(("isv.BUSINESS_LIMIT", "Throttling"))
            raise ChannelError(f"{code}: {answer.get('Message')}", permanent=permanent)


def provider_from_config(config: Mapping[str, Any]) -> SmsProvider | None:
    """The configured provider, or ``None`` when SMS is off."""
    name = (config.get("SMS_PROVIDER") or "").lower()
    if not name:
        return None
    if name == "aliyun":
        return AliyunSms(
            access_key_id=config["SMS_ACCESS_KEY_ID"],
            access_key_secret=config["SMS_ACCESS_KEY_SECRET"],
            sign_name=config["SMS_SIGN_NAME"],
            template_code=config["SMS_TEMPLATE_CODE"],
            endpoint=config.get("SMS_ENDPOINT") or ALIYUN_ENDPOINT,
        )
    raise ValueError(f"unknown SMS_PROVIDER {name!r}")


def sms_enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SMS_PROVIDER"))
