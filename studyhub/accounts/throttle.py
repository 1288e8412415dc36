"""Login throttling: failed password checks counted per account, per address and per device.

The rules (settings in ``config.py``; every count is of FAILED attempts in a
moving window, so correct logins never use up anything):

- **Per account** (``LOGIN_ACCOUNT_LIMIT``, 10 per 15 minutes): the account is
  its user id, so the phone number and the member number share one count; an
  identifier that names no account is counted by itself (it behaves the same).
- **Per address** (``LOGIN_ADDRESS_LIMIT``, 30 per 15 minutes): stops one
  address spraying a password over many accounts within a few dozen tries,
  while 50 members of one office (one NAT address) who type their passwords
  right are never refused, and a few typos among them stay far below the cap.
- **A colleague cannot lock the owner out.** A browser that has logged in to
  an account before carries a signed *device cookie* naming it (OWASP's
  "device cookies"). Attempts from such a browser are counted in that
  device's own bucket (``LOGIN_DEVICE_LIMIT``) and neither count towards nor
  are stopped by the account's and the address's buckets. So a colleague at
  the next desk (same NAT address) who tries 10 wrong passwords blocks only
  browsers that never logged in to the account, for at most the window; the
  owner's own phone still logs in. An owner on a new device waits out the
  window, or gets a fresh activation code from their secretary.

**Addresses** are counted by network where one subscriber holds many: an
IPv6 address by its /64 (one home or phone gets a whole /64, so counting
single addresses would give an attacker unlimited ones), an IPv4 address
(and an IPv4-mapped IPv6 one) by itself (:func:`address_bucket`). The
activation page's rate limit keys on the same bucket.

**An attempt is counted before its password is checked** (:func:`reserve`):
it takes a place among the attempts in flight, and is refused when the
failures in the window plus the attempts in flight would pass the limit; a
wrong password then turns its place into a counted failure, a right one
gives it back. So N parallel wrong tries against a nearly full bucket cannot
all slip past it, while correct logins still use up nothing.

Counts live in the rate limiter's storage (``RATELIMIT_STORAGE_URI``): Redis
shares them between every worker process and machine. When the storage
cannot be reached the check lets the attempt through and logs an error:
logging in matters more than counting.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from studyhub.extensions import limiter

log = logging.getLogger(__name__)

# How long an attempt in flight (its password being checked) holds its place at most: a
# worker that dies mid-check gives the place back after this.
IN_FLIGHT_SECONDS = 60
# Accounts one browser remembers having logged in to (a shared family phone).
DEVICE_MAX_ACCOUNTS = 8


@dataclass(frozen=True)
class LoginLimits:
    account: str
    address: str
    device: str

    @classmethod
    def from_config(cls, config) -> LoginLimits:
        return cls(
            account=config["LOGIN_ACCOUNT_LIMIT"],
            address=config["LOGIN_ADDRESS_LIMIT"],
            device=config["LOGIN_DEVICE_LIMIT"],
        )


@dataclass(frozen=True)
class LoginAttempt:
    """Who is trying: the account (``user:<id>`` or ``name:<identifier>``), address, device.

    ``device`` is set only when this browser's device cookie names the account.
    """

    account: str
    address: str
    device: str | None = None

    @classmethod
    def of(
        cls, *, user_id: int | None, identifier: str, address: str, device: Device | None
    ) -> LoginAttempt:
        """The attempt to log in to ``user_id`` (None: no such account) as ``identifier``."""
        return cls(
            account=account_key(user_id, identifier),
            address=address_bucket(address),
            device=device.id if device is not None and device.knows(user_id) else None,
        )


def account_key(user_id: int | None, identifier: str) -> str:
    return f"user:{user_id}" if user_id is not None else f"name:{identifier[:32]}"


def address_bucket(address: str) -> str:
    """What the per-address limits count: an IPv6 address's /64, an IPv4 address itself
    (an IPv4-mapped IPv6 address as its IPv4 address); anything unparsable as it is."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        prefix = int(ip) >> 64 << 64
        return str(ipaddress.IPv6Network((prefix, 64)))
    return str(ip)


def request_address_bucket() -> str:
    """This request's address bucket (a key function for ``limiter.limit``)."""
    return address_bucket(get_remote_address() or "")


def _buckets(attempt: LoginAttempt, limits: LoginLimits) -> list[tuple[RateLimitItem, str]]:
    if attempt.device is not None:
        return [(parse(limits.device), f"login-device/{attempt.account}/{attempt.device}")]
    return [
        (parse(limits.address), f"login-address/{attempt.address}"),
        (parse(limits.account), f"login-account/{attempt.account}"),
    ]


def _strategy() -> MovingWindowRateLimiter | None:
    if not limiter.enabled:
        return None
    return MovingWindowRateLimiter(limiter.storage)


@dataclass(frozen=True)
class Reservation:
    """An attempt's place in flight in each of its buckets: settle it once, with
    :meth:`failed` (a counted failure) or :meth:`succeeded` (the place is given back)."""

    buckets: tuple[tuple[RateLimitItem, str], ...]

    def failed(self) -> None:
        strategy = _strategy()
        if strategy is None:
            return
        try:
            for item, key in self.buckets:
                strategy.hit(item, key)
        except Exception:
            log.exception("login throttling storage unavailable; failure not counted")
        self.succeeded()

    def succeeded(self) -> None:
        strategy = _strategy()
        if strategy is None:
            return
        _give_back(strategy, [key for _item, key in self.buckets])


def _in_flight_key(key: str) -> str:
    return f"login-in-flight/{key}"


def _give_back(strategy: MovingWindowRateLimiter, keys: list[str]) -> None:
    try:
        for key in keys:
            strategy.storage.incr(_in_flight_key(key), IN_FLIGHT_SECONDS, amount=-1)
    except Exception:
        log.exception("login throttling storage unavailable; place in flight not given back")


def reserve(attempt: LoginAttempt, limits: LoginLimits) -> Reservation | None:
    """Count ``attempt`` before its password is checked; None when it is refused unchecked.

    Each bucket's counter of attempts in flight is incremented first (atomically,
    so parallel attempts see one another), then the failures in the window are
    read: the attempt is refused when failures + attempts in flight (itself
    included) pass the limit. A failure is recorded before its place is given
    back (:meth:`Reservation.failed`), so it is never missed in between.
    """
    buckets = tuple(_buckets(attempt, limits))
    strategy = _strategy()
    if strategy is None:
        return Reservation(())
    taken: list[str] = []
    try:
        for item, key in buckets:
            # At least itself, should the counter have expired under attempts in flight.
            in_flight = max(strategy.storage.incr(_in_flight_key(key), IN_FLIGHT_SECONDS), 1)
            taken.append(key)
            if in_flight > strategy.get_window_stats(item, key).remaining:
                _give_back(strategy, taken)
                return None
    except Exception:  # the storage is down: let people log in
        log.exception("login throttling storage unavailable; attempt not checked")
        _give_back(strategy, taken)
        return Reservation(())
    return Reservation(buckets)


# Device cookies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    """A browser: its random id and the accounts that logged in on it (newest first)."""

    id: str
    user_ids: tuple[int, ...]

    def knows(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.user_ids

    def with_login(self, user_id: int) -> Device:
        others = tuple(u for u in self.user_ids if u != user_id)
        return Device(self.id, (user_id, *others)[:DEVICE_MAX_ACCOUNTS])


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="studyhub-login-device")


def read_device(value: str | None, secret_key: str) -> Device | None:
    """The device a cookie value names, or None when absent, forged or malformed."""
    if not value:
        return None
    try:
        data = _serializer(secret_key).loads(value)
        return Device(str(data["d"]), tuple(int(u) for u in _ids(data["u"])))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def _ids(raw: object) -> Iterable[object]:
    if not isinstance(raw, list):
        raise ValueError("user ids must be a list")
    return raw


def new_device() -> Device:
    return Device(secrets.token_urlsafe(12), ())


def device_cookie(device: Device, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"d": device.id, "u": list(device.user_ids)})
