"""Sliding-window limits (memory and Redis) and text splitting."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.asyncio import Redis

from delivery.limits import Limit, MemoryLimiter, RedisLimiter, acquire, global_limit
from delivery.telegram import TelegramPlatform
from delivery.text import split_text, utf16_len
from tests.conftest import TEST_REDIS_URL


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def test_memory_window_allows_count_then_says_how_long_to_wait():
    now = FakeTime()
    limiter = MemoryLimiter(now)
    group = [Limit("g", 20, 60.0)]
    for _ in range(20):
        assert await limiter.reserve(group) == 0.0
    assert await limiter.reserve(group) == pytest.approx(60.0)
    now.t += 30
    assert await limiter.reserve(group) == pytest.approx(30.0)
    now.t += 30.001
    assert await limiter.reserve(group) == 0.0


async def test_memory_all_or_nothing_across_keys():
    now = FakeTime()
    limiter = MemoryLimiter(now)
    assert await limiter.reserve([Limit("all", 2, 1.0), Limit("chat:1", 1, 1.0)]) == 0
    # chat 1 is full: nothing is taken from the global window either
    assert await limiter.reserve([Limit("all", 2, 1.0), Limit("chat:1", 1, 1.0)]) > 0
    assert await limiter.reserve([Limit("all", 2, 1.0), Limit("chat:2", 1, 1.0)]) == 0
    assert await limiter.reserve([Limit("all", 2, 1.0), Limit("chat:3", 1, 1.0)]) > 0


async def test_acquire_paces_to_the_rate_in_any_window():
    now = FakeTime()
    limiter = MemoryLimiter(now)
    platform = TelegramPlatform(rate_per_second=30)
    granted: list[float] = []
    for i in range(300):
        await acquire(limiter, platform.limits_for(1000 + i % 100), sleep=now.sleep)
        granted.append(now.t)
    for i in range(len(granted) - 30):
        assert granted[i + 30] - granted[i] >= 1.0  # never 31 in one second
    rate = (len(granted) - 1) / (granted[-1] - granted[0])
    assert rate >= 0.95 * 30


def test_fractional_rates_become_count_per_period():
    limit = global_limit("k", 7.5)
    assert limit.count == 7 and limit.period == pytest.approx(7 / 7.5 * 1.02)


def test_telegram_limits_per_chat_type():
    platform = TelegramPlatform(rate_per_second=30)
    private = platform.limits_for(5)[1]
    group = platform.limits_for(-5)[1]
    assert (private.count, round(private.period)) == (1, 1)
    assert (group.count, round(group.period)) == (20, 60)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("aaa\n\nbbb\nccc", 9, ["aaa", "bbb\nccc"]),
        ("aaa bbb\nccc ddd", 10, ["aaa bbb", "ccc ddd"]),
        ("aaa bbb ccc", 8, ["aaa bbb", "ccc"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("short", 100, ["short"]),
    ],
)
def test_split_prefers_paragraphs_then_lines_then_words(text, limit, expected):
    assert split_text(text, limit) == expected


def test_split_measures_utf16_like_telegram():
    text = "😀" * 3000  # 6000 UTF-16 units
    parts = split_text(text, 4096, utf16_len)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


@pytest.fixture
async def redis():
    if not TEST_REDIS_URL:
        pytest.skip("set TEST_REDIS_URL to test the Redis-backed limiter")
    client = Redis.from_url(TEST_REDIS_URL)
    yield client
    await client.aclose()


async def test_redis_limiter_is_shared_between_instances(redis):
    key = f"t{uuid.uuid4().hex}"
    one, two = RedisLimiter(redis), RedisLimiter(redis)  # as if in two processes
    limits = [Limit(f"{key}:all", 3, 1.0), Limit(f"{key}:chat", 2, 1.0)]
    assert await one.reserve(limits) == 0
    assert await two.reserve(limits) == 0
    wait = await one.reserve(limits)  # the chat window is full for everyone
    assert 0 < wait <= 1.0
    assert await two.reserve([Limit(f"{key}:all", 3, 1.0)]) == 0
    assert await one.reserve([Limit(f"{key}:all", 3, 1.0)]) > 0


# -- the line of waiters (acquire) -------------------------------------------------------------


class CountingLimiter(MemoryLimiter):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def reserve(self, limits):
        self.calls += 1
        return await super().reserve(limits)


async def test_waiters_are_served_in_arrival_order_without_a_herd():
    limiter = CountingLimiter()
    window = Limit("all", 1, 0.02)
    granted: list[int] = []

    async def waiter(i: int) -> None:
        await acquire(limiter, [window, Limit(f"chat:{i}", 1, 1.0)])
        granted.append(i)

    tasks = []
    for i in range(8):
        tasks.append(asyncio.create_task(waiter(i)))
        await asyncio.sleep(0)  # they arrive in this order
    await asyncio.gather(*tasks)
    assert granted == list(range(8))
    # only the first in line asks: about one refusal and one grant per waiter, not a herd
    # of every waiter re-asking whenever a slot frees
    assert limiter.calls <= 2 * 8 + 2


async def test_a_long_wait_steps_out_of_line_and_holds_nobody_up():
    limiter = MemoryLimiter()
    window = Limit("all", 100, 1.0)
    group = Limit("group:-1", 1, 60.0)  # "20 per minute": this chat must wait long
    await acquire(limiter, [window, group])
    slow = asyncio.create_task(acquire(limiter, [window, group]))
    await asyncio.sleep(0.01)
    started = time.monotonic()
    await asyncio.wait_for(acquire(limiter, [window, Limit("chat:2", 1, 1.0)]), 0.5)
    assert time.monotonic() - started < 0.2
    assert not slow.done()
    slow.cancel()


async def test_a_tracked_call_counts_from_its_answer_not_its_grant():
    limiter = MemoryLimiter()
    window = Limit("all", 2, 0.2)
    started = time.monotonic()
    slots = [await acquire(limiter, [window], track=True) for _ in range(2)]
    await asyncio.sleep(0.1)  # the requests were slow to arrive and be answered
    for slot in slots:
        slot.finished()
    await acquire(limiter, [window], track=True)
    # the limiter alone would grant at +0.2 s; the platform saw the calls arrive up to +0.1 s
    assert time.monotonic() - started >= 0.29
