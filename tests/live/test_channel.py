"""The live channel process: a signed token opens a connection; a change published to Redis
reaches the viewers of that lesson (the moderators' version to moderators); a bad token
is refused. Needs the Redis on 127.0.0.1:6379 (skipped without it)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis
from aiohttp import ClientSession, ClientTimeout
from aiohttp.test_utils import TestServer

from studyhub.live.channel import make_app
from studyhub.live.fanout import channel_of, channel_token, read_token

REDIS_URL = "redis://127.0.0.1:6379/7"
SECRET = "channel-test-secret"


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


async def read_event(response, name: str) -> dict:
    event = None
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == name:
            return json.loads(line[6:])
    raise AssertionError("stream ended")


async def scenario() -> tuple[dict, dict, int]:
    publisher = redis_or_skip()
    server = TestServer(make_app(secret=SECRET, redis_url=REDIS_URL))
    await server.start_server()
    try:
        async with ClientSession(timeout=ClientTimeout(total=10)) as http:
            member = channel_token(SECRET, user_id=1, lesson_id=990001, moderator=False)
            moderator = channel_token(SECRET, user_id=2, lesson_id=990001, moderator=True)
            base = server.make_url("/live-channel/990001/events")
            bad = await http.get(base, params={"t": member + "x"})
            async with (
                http.get(base, params={"t": member}) as one,
                http.get(base, params={"t": moderator}) as two,
            ):
                assert one.headers["Content-Type"] == "text/event-stream"
                await asyncio.sleep(0.3)  # both registered and subscribed
                change = {
                    "seq": 7,
                    "public": [{"id": 5, "hidden": True}],
                    "moderator": [{"id": 5, "hidden": True, "body": "x"}],
                }
                publisher.publish(channel_of(990001), json.dumps(change))
                got_member = await asyncio.wait_for(read_event(one, "change"), 3)
                got_moderator = await asyncio.wait_for(read_event(two, "change"), 3)
            return got_member, got_moderator, bad.status
    finally:
        await server.close()


def test_a_published_change_reaches_the_viewers_within_3_seconds():
    got_member, got_moderator, bad_status = asyncio.run(scenario())
    assert got_member == {"seq": 7, "comments": [{"id": 5, "hidden": True}]}
    assert got_moderator["comments"][0]["body"] == "x"
    assert bad_status == 403


def test_a_token_is_for_one_lesson():
    token = channel_token(SECRET, user_id=1, lesson_id=3, moderator=False)
    assert read_token(SECRET, token, 3) == {"u": 1, "l": 3, "m": 0}
    assert read_token(SECRET, token, 4) is None
    assert read_token("another secret", token, 3) is None


def test_a_posted_comment_is_published_after_the_commit(client, login, world, lesson, app):
    subscriber = redis_or_skip().pubsub()
    subscriber.subscribe(channel_of(lesson.id))
    subscriber.get_message(timeout=1)  # the subscription's confirmation
    app.config["LIVE_REDIS_URL"] = REDIS_URL
    app.config["LIVE_CHANNEL_URL"] = "/live-channel"
    try:
        login(world.member_a1.user)
        page = client.get(f"/live/{lesson.id}")
        assert f'data-channel-url="/live-channel/{lesson.id}/events?t=' in page.get_data(True)
        token = page.get_data(as_text=True).split('data-csrf="', 1)[1].split('"', 1)[0]
        refused = client.post(
            f"/live/{lesson.id}/comments", data={"body": " ", "csrf_token": token}
        )
        assert refused.status_code == 400
        posted = client.post(
            f"/live/{lesson.id}/comments", data={"body": "推送测试", "csrf_token": token}
        )
        assert posted.status_code == 200
    finally:
        app.config["LIVE_REDIS_URL"] = None
        app.config["LIVE_CHANNEL_URL"] = None
    message = subscriber.get_message(timeout=2)
    subscriber.close()
    change = json.loads(message["data"])
    assert change["seq"] == 1
    assert [c["body"] for c in change["public"]] == ["推送测试"]
    assert [c["body"] for c in change["moderator"]] == ["推送测试"]
