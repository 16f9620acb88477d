"""Per-project limit per minute, the per-request-id poll limit, and the counters themselves."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from services.projects import update_project
from services.ratelimit import MemoryCounter, RateLimiter, RedisCounter
from tests.api.conftest import Api
from tests.conftest import TEST_REDIS_URL

# the counter itself is tested on a real Redis even when the suite runs without one
LOCAL_REDIS = "redis://127.0.0.1:6379/15"


async def test_headers_count_down_then_429(api: Api, frozen_clock: Any) -> None:
    await update_project(api.project.id, rate_limit=3)

    seen = [await api.get("/tickets") for _ in range(3)]
    assert [r.status for r in seen] == [200, 200, 200]
    assert all(r.headers["RateLimit-Policy"] == '"project";q=3;w=60' for r in seen)
    assert [r.headers["RateLimit"].split(";")[1] for r in seen] == ["r=2", "r=1", "r=0"]

    refused = await api.post("/tickets", {"text": "x"})
    assert refused.status == 429
    assert refused.body == {
        "error": "rate limit of 3 requests per 60 s exceeded",
        "code": "rate_limited",
        "retryable": True,
    }
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert refused.headers["RateLimit"] == f'"project";r=0;t={retry_after}'

    frozen_clock.advance(seconds=retry_after)
    assert (await api.get("/tickets")).status == 200


async def test_errors_count_and_carry_headers(api: Api, frozen_clock: Any) -> None:
    await update_project(api.project.id, rate_limit=2)
    missing = await api.get("/tickets/00000000-0000-0000-0000-000000000000")
    assert missing.status == 404 and "RateLimit" in missing.headers
    assert (await api.get("/tickets")).status == 200
    assert (await api.get("/tickets")).status == 429


async def test_zero_means_no_limit(api: Api, frozen_clock: Any) -> None:
    await update_project(api.project.id, rate_limit=0)
    replies = [await api.get("/agents") for _ in range(20)]
    assert {r.status for r in replies} == {200}
    assert "RateLimit" not in replies[0].headers


async def test_projects_have_their_own_budget(api: Api, other: Api, frozen_clock: Any) -> None:
    await update_project(api.project.id, rate_limit=1)
    assert (await api.get("/agents")).status == 200
    assert (await api.get("/agents")).status == 429
    assert (await other.get("/agents")).status == 200


async def test_status_polls_do_not_count_against_the_project(
    api: Api, frozen_clock: Any
) -> None:
    await update_project(api.project.id, rate_limit=2)
    request_ids = [(await api.post("/request", {})).body["request_id"] for _ in range(2)]

    # many visitors waiting at once: each polls within its own budget
    for _ in range(5):
        for request_id in request_ids:
            reply = await api.get(f"/request/{request_id}/status")
            assert reply.status == 200
            assert reply.headers["RateLimit-Policy"] == '"poll";q=5;w=1'
    assert (await api.get("/agents")).status == 429  # the two POSTs used the project's budget


async def test_each_request_id_is_limited_per_second(api: Api, frozen_clock: Any) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    path = f"/request/{request_id}/status"
    assert [(await api.get(path)).status for _ in range(6)] == [200] * 5 + [429]
    refused = await api.get(path)
    assert refused.body["code"] == "rate_limited" and refused.headers["Retry-After"] == "1"
    frozen_clock.advance(seconds=1)
    assert (await api.get(path)).status == 200


async def test_memory_limiter_windows(frozen_clock: Any) -> None:
    limiter = RateLimiter(MemoryCounter())
    decisions = [await limiter.hit("k", 2, 60) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.remaining for d in decisions] == [1, 0, 0]
    frozen_clock.advance(seconds=60)
    assert (await limiter.hit("k", 2, 60)).allowed


async def test_redis_counter_is_shared_between_limiters(frozen_clock: Any) -> None:
    url = TEST_REDIS_URL or LOCAL_REDIS
    first, second = Redis.from_url(url), Redis.from_url(url)
    try:
        key = f"test:{frozen_clock.now().timestamp()}"
        one, two = RateLimiter(RedisCounter(first)), RateLimiter(RedisCounter(second))
        assert (await one.hit(key, 2, 60)).allowed
        assert (await two.hit(key, 2, 60)).allowed
        assert not (await one.hit(key, 2, 60)).allowed
        ttl = await first.ttl(f"hd:rl:{key}:{int(frozen_clock.now().timestamp() // 60)}")
        assert 0 < ttl <= 61
    finally:
        await first.aclose()
        await second.aclose()


async def test_unreachable_redis_fails_open(frozen_clock: Any) -> None:
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        decision = await RateLimiter(RedisCounter(broken)).hit("k", 1, 60)
    finally:
        await broken.aclose()
    assert decision.allowed
