"""The live channel: a small asynchronous process that holds the viewers' connections.

A lesson watched by thousands must not hold a synchronous worker per viewer,
nor have each of them ask the app every two seconds. So in production the
lesson page opens one Server-Sent Events connection to this process
(``studyhub live-channel``, aiohttp, one event loop) and keeps it open. The
process holds one Redis subscription (``studyhub:live:*``) and, when a request
of the Flask app publishes a lesson's change (:mod:`studyhub.live.fanout`),
writes it to every connection of that lesson on this process: the members'
version or the moderators'. It never reads the database: the connection's URL
carries a token that the lesson page signed with the app's secret (who, which
lesson, moderator or not, valid for a few hours), so the access was checked
when the page was served. Several channel processes, on several machines,
each subscribe to the same Redis: the fan-out across machines is Redis pub/sub.

Every few seconds each process writes its number of connections per lesson to a
Redis hash (one field per process, expiring) and sends the lesson's total to its
viewers. A comment change arrives as ``event: change`` with ``id:`` its change number;
the viewer count as ``event: viewers``; a comment line every 15 s keeps proxies
from closing an idle connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections import defaultdict
from typing import Any

from aiohttp import web
from redis import asyncio as aioredis

from studyhub.live.fanout import CHANNEL_PREFIX, VIEWERS_PREFIX, read_token

HEARTBEAT_SECONDS = 15
VIEWERS_SECONDS = 5
log = logging.getLogger(__name__)


def sse(event: str, data: Any, event_id: int | None = None) -> bytes:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


class Hub:
    """The connections of this process, per lesson: response → is a moderator."""

    def __init__(self) -> None:
        self.lessons: dict[int, dict[web.StreamResponse, bool]] = defaultdict(dict)
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    async def send(self, lesson_id: int, public: bytes, moderator: bytes | None = None) -> None:
        viewers = self.lessons.get(lesson_id)
        if not viewers:
            return
        for response, is_moderator in list(viewers.items()):
            try:
                await response.write(moderator if is_moderator and moderator else public)
            except (ConnectionError, RuntimeError):
                viewers.pop(response, None)

    async def deliver(self, lesson_id: int, change: dict[str, Any]) -> None:
        seq = change.get("seq")
        public = sse("change", {"seq": seq, "comments": change.get("public", [])}, seq)
        moderator = sse("change", {"seq": seq, "comments": change.get("moderator", [])}, seq)
        await self.send(lesson_id, public, moderator)


SECRET_KEY = web.AppKey("secret", str)
HUB_KEY = web.AppKey("hub", Hub)
REDIS_KEY = web.AppKey("redis", aioredis.Redis)


async def _listen(app: web.Application) -> None:
    hub: Hub = app[HUB_KEY]
    pubsub = app[REDIS_KEY].pubsub()
    await pubsub.psubscribe(CHANNEL_PREFIX + "*")
    async for message in pubsub.listen():
        if message.get("type") != "pmessage":
            continue
        channel = message["channel"].decode()
        try:
            lesson_id = int(channel[len(CHANNEL_PREFIX) :])
            change = json.loads(message["data"])
        except ValueError:
            continue
        await hub.deliver(lesson_id, change)


async def _count_viewers(app: web.Application) -> None:
    hub: Hub = app[HUB_KEY]
    redis = app[REDIS_KEY]
    while True:
        await asyncio.sleep(VIEWERS_SECONDS)
        for lesson_id, viewers in list(hub.lessons.items()):
            key = f"{VIEWERS_PREFIX}{lesson_id}"
            total = len(viewers)
            try:
                await redis.hset(key, hub.name, len(viewers))
                await redis.expire(key, VIEWERS_SECONDS * 3)
                total = sum(int(v) for v in await redis.hvals(key))
            except Exception:  # noqa: BLE001 - a count is not worth failing for
                log.warning("live channel: viewer count not shared")
            await hub.send(lesson_id, sse("viewers", {"viewers": total}))
            if not viewers:
                hub.lessons.pop(lesson_id, None)


async def _heartbeat(app: web.Application) -> None:
    hub: Hub = app[HUB_KEY]
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        for lesson_id in list(hub.lessons):
            await hub.send(lesson_id, b": keep-alive\n\n")


async def events(request: web.Request) -> web.StreamResponse:
    lesson_id = int(request.match_info["lesson_id"])
    token = read_token(request.app[SECRET_KEY], request.query.get("t", ""), lesson_id)
    if token is None:
        raise web.HTTPForbidden(text="bad token")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    hub: Hub = request.app[HUB_KEY]
    hub.lessons[lesson_id][response] = bool(token.get("m"))
    try:
        # aiohttp does not cancel a handler when its client goes: look every few seconds.
        while request.transport is not None and not request.transport.is_closing():
            await asyncio.sleep(VIEWERS_SECONDS)
    finally:
        hub.lessons.get(lesson_id, {}).pop(response, None)
    return response


async def health(request: web.Request) -> web.Response:
    hub: Hub = request.app[HUB_KEY]
    return web.json_response(
        {"connections": sum(len(v) for v in hub.lessons.values()), "process": hub.name}
    )


def make_app(*, secret: str, redis_url: str, prefix: str = "/live-channel") -> web.Application:
    """The channel's aiohttp application (``prefix``: where the proxy sends it)."""
    app = web.Application()
    app[SECRET_KEY] = secret
    app[HUB_KEY] = Hub()
    app.router.add_get(prefix + "/{lesson_id:\\d+}/events", events)
    app.router.add_get(prefix + "/health", health)

    async def background(app: web.Application):
        app[REDIS_KEY] = aioredis.from_url(redis_url)
        tasks = [
            asyncio.create_task(_listen(app)),
            asyncio.create_task(_count_viewers(app)),
            asyncio.create_task(_heartbeat(app)),
        ]
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app[REDIS_KEY].aclose()

    app.cleanup_ctx.append(background)
    return app
