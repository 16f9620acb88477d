"""/v1/subscribers, /v1/subscribe-link, /v1/messages, /v1/broadcasts: contract, bad input,
tenancy (another project's ids are 404), and the events each change writes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from models import Notification, OutboundMessage, OutboxEvent, Subscriber, SubscriberTag
from models.enums import Channel, SubscriberStatus
from services import clock, subscribers
from tests.api.conftest import MAX_BOT, TELEGRAM_BOT, Api

SUBSCRIBER_FIELDS = {
    "id", "channel", "chat_id", "first_name", "username", "language", "tags", "status",
    "subscribed_at", "unsubscribed_at",
}


async def subscriber(api: Api, chat_id: int, *, channel: Channel = Channel.TELEGRAM,
                     tags: tuple[str, ...] = ()) -> Subscriber:
    return await subscribers.ensure_subscriber(
        api.project.id, channel, chat_id, tags, first_name=f"User {chat_id}"
    )


async def events(project_id: Any, name: str) -> list[dict[str, Any]]:
    rows = await OutboxEvent.filter(project_id=project_id, event=name).order_by("seq")
    return [r.payload["data"] for r in rows]


async def test_list_is_newest_first_with_a_cursor_and_filters(api: Api, frozen_clock) -> None:
    made = []
    for chat in range(1, 6):
        made.append(await subscriber(api, chat, tags=("vip",) if chat % 2 else ()))
        frozen_clock.advance(seconds=1)
    await subscriber(api, 99, channel=Channel.MAX)
    first = await api.get("/v1/subscribers", params={"limit": "2", "channel": "telegram"})
    assert first.status == 200, first.body
    assert [s["chat_id"] for s in first.body["subscribers"]] == [5, 4]
    assert SUBSCRIBER_FIELDS <= set(first.body["subscribers"][0])
    seen = [s["chat_id"] for s in first.body["subscribers"]]
    cursor = first.body["next_cursor"]
    while cursor:
        page = await api.get(
            "/v1/subscribers", params={"limit": "2", "channel": "telegram", "cursor": cursor}
        )
        seen += [s["chat_id"] for s in page.body["subscribers"]]
        cursor = page.body["next_cursor"]
    assert seen == [5, 4, 3, 2, 1]
    vip = await api.get("/v1/subscribers", params={"tag": "vip"})
    assert [s["chat_id"] for s in vip.body["subscribers"]] == [5, 3, 1]
    await subscribers.end_subscription(made[0].id, "unsubscribed")
    gone = await api.get("/v1/subscribers", params={"status": "unsubscribed"})
    assert [s["chat_id"] for s in gone.body["subscribers"]] == [1]
    assert gone.body["subscribers"][0]["unsubscribed_at"] is not None


async def test_list_rows_are_the_subscriber_as_shown_alone(
    api: Api, other: Api, frozen_clock
) -> None:
    """The list renders its rows itself (no models): each must equal GET /v1/subscribers/{id};
    equal creation times page by id; another project's subscribers and tags stay out."""
    made = [await subscriber(api, chat, tags=("vip", "news")) for chat in range(1, 6)]
    await Subscriber.filter(id=made[0].id).update(subscribed_at=None, first_name="Ёжик «q»")
    await subscribers.replace_tags(made[1], [])
    await subscribers.mark_blocked(api.project.id, Channel.TELEGRAM, 3)
    await subscribers.end_subscription(made[3].id, "unsubscribed")
    await subscriber(other, 1, tags=("vip",))
    # one creation time for all (the tag rows keep a copy of it): pages go by id alone
    now = clock.now()
    await Subscriber.filter(project_id=api.project.id).update(created_at=now)
    await SubscriberTag.filter(project_id=api.project.id).update(subscriber_created_at=now)

    async def walk(**filters: str) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": "2", **filters, **({"cursor": cursor} if cursor else {})}
            page = await api.get("/v1/subscribers", params=params)
            assert page.status == 200, page.body
            listed += page.body["subscribers"]
            cursor = page.body["next_cursor"]
            if not cursor:
                return listed

    listed = await walk()
    assert sorted(s["id"] for s in listed) == sorted(str(s.id) for s in made)
    assert [s["id"] for s in listed] == sorted((str(s.id) for s in made), reverse=True)
    for row in listed:
        assert row == (await api.get(f"/v1/subscribers/{row['id']}")).body
    statuses = {s["chat_id"]: (s["status"], s["blocked"]) for s in listed}
    assert statuses[3] == ("blocked", True) and statuses[4] == ("unsubscribed", False)
    first = next(s for s in listed if s["chat_id"] == 1)
    assert first["subscribed_at"] is not None and first["first_name"] == "Ёжик «q»"
    vip = await walk(tag="vip")
    assert [s["id"] for s in vip] == [s["id"] for s in listed if s["chat_id"] != 2]
    assert all(s["tags"] == ["vip", "news"] for s in vip)
    active_vip = await walk(tag="vip", status="active", channel="telegram")
    expected = [s["chat_id"] for s in vip if s["chat_id"] in (1, 5)]
    assert [s["chat_id"] for s in active_vip] == expected
    assert [s["chat_id"] for s in (await other.get("/v1/subscribers")).body["subscribers"]] == [1]


async def test_list_refuses_bad_input(api: Api) -> None:
    for params in ({"limit": "201"}, {"limit": "0"}, {"status": "gone"}, {"channel": "sms"},
                   {"tag": "Not A Tag"}, {"cursor": "!!!"}):
        reply = await api.get("/v1/subscribers", params=params)
        assert reply.status == 400 and reply.body["code"] == "validation_failed", params


async def test_get_tags_and_delete_with_tenancy(api: Api, other: Api) -> None:
    sub = await subscriber(api, 7)
    path = f"/v1/subscribers/{sub.id}"
    got = await api.get(path)
    assert got.status == 200 and got.body["status"] == "active" and got.body["tags"] == []
    for foreign in (other.get(path), other.call("PUT", path + "/tags", {"tags": ["a"]}),
                    other.call("DELETE", path), api.get("/v1/subscribers/not-a-uuid")):
        reply = await foreign
        assert reply.status == 404 and reply.body["code"] == "not_found"
    tags = await api.call("PUT", path + "/tags", {"tags": ["vip", "news", "vip"]})
    assert tags.status == 200 and tags.body["tags"] == ["vip", "news"]
    for bad in ({"tags": ["UPPER"]}, {"tags": ["x" * 33]}, {"tags": [f"t{i}" for i in range(21)]},
                {"tags": "vip"}, {}):
        reply = await api.call("PUT", path + "/tags", bad)
        assert reply.status == 400 and reply.body["code"] == "validation_failed", bad
    listed = await api.get("/v1/subscribers", params={"tag": "news"})
    assert [s["id"] for s in listed.body["subscribers"]] == [str(sub.id)]

    response = await api.client.delete(path, headers={"Authorization": f"Bearer {api.key}"})
    assert response.status == 204
    after = await api.get(path)
    assert after.body["status"] == "unsubscribed"
    cancelled = await events(api.project.id, "subscription.cancelled")
    assert [e["reason"] for e in cancelled] == ["api"]
    # the customer is told in the messenger
    [goodbye] = await OutboundMessage.filter(chat_id=7, kind="customer_text")
    assert "no longer subscribed" in goodbye.payload["text"]
    again = await api.client.delete(path, headers={"Authorization": f"Bearer {api.key}"})
    assert again.status == 204
    assert len(await events(api.project.id, "subscription.cancelled")) == 1


async def test_subscribe_link_is_permanent_per_tag_set(api: Api) -> None:
    reply = await api.get("/v1/subscribe-link?tag=news&tag=vip")
    assert reply.status == 200, reply.body
    link_id = reply.body["link_id"]
    assert reply.body["expires_in"] is None
    assert reply.body["telegram_link"] == f"https://t.me/{TELEGRAM_BOT}?start=sub_{link_id}"
    assert reply.body["max_link"] == f"https://max.ru/{MAX_BOT}?start=sub_{link_id}"
    same = await api.get("/v1/subscribe-link?tag=vip&tag=news")
    assert same.body["link_id"] == link_id
    bad = await api.get("/v1/subscribe-link?tag=Bad%20Tag")
    assert bad.status == 400 and bad.body["code"] == "validation_failed"
    no_key = await api.get("/v1/subscribe-link", key="hd_live_nope")
    assert no_key.status == 401


async def test_message_is_queued_and_reported(api: Api, other: Api) -> None:
    sub = await subscriber(api, 11)
    body = {"subscriber_id": str(sub.id), "text": "Your order shipped",
            "buttons": [[{"text": "Track", "url": "https://example.com/t"},
                         {"text": "Thanks", "callback": "thanks:1"}]]}
    reply = await api.post("/v1/messages", body, headers={"Idempotency-Key": "m-1"})
    assert reply.status == 202 and reply.body["status"] == "queued", reply.body
    replay = await api.post("/v1/messages", body, headers={"Idempotency-Key": "m-1"})
    assert replay.body == reply.body
    assert await Notification.filter(project_id=api.project.id).count() == 1
    row = await OutboundMessage.get(id=reply.body["id"])
    assert row.kind == "notification" and row.priority == 1
    [[url, callback]] = row.payload["buttons"]
    assert url == {"text": "Track", "url": "https://example.com/t"}
    assert callback["data"].startswith("nt:") and len(callback["data"].encode()) <= 64
    got = await api.get(f"/v1/messages/{reply.body['id']}")
    assert got.status == 200 and got.body["status"] == "queued" and got.body["error"] is None
    foreign = await other.get(f"/v1/messages/{reply.body['id']}")
    assert foreign.status == 404
    foreign_sub = await other.post("/v1/messages", body)
    assert foreign_sub.status == 404


async def test_message_refuses_bad_input_and_unsubscribed(api: Api) -> None:
    sub = await subscriber(api, 12)
    ok = {"subscriber_id": str(sub.id), "text": "hi"}
    bad_bodies = [
        {**ok, "text": ""},
        {**ok, "text": "x" * 4001},
        {**ok, "subscriber_id": "nope"},
        {"text": "hi"},
        {**ok, "buttons": [[{"text": "a", "callback": "x" * 65}]]},
        {**ok, "buttons": [[{"text": "a", "callback": ""}]]},
        {**ok, "buttons": [[{"text": "a"}]]},
        {**ok, "buttons": [[{"text": "a", "url": "https://x", "callback": "c"}]]},
        {**ok, "buttons": [[{"text": "a", "url": "ftp://x"}]]},
        {**ok, "buttons": [[{"text": "a", "callback": "c"}]] * 4},
        {**ok, "buttons": [[{"text": "a", "callback": "c"}] * 4]},
    ]
    for body in bad_bodies:
        reply = await api.post("/v1/messages", body)
        assert reply.status == 400 and reply.body["code"] == "validation_failed", body
    await subscribers.end_subscription(sub.id, "unsubscribed")
    gone = await api.post("/v1/messages", ok)
    assert gone.status == 409 and gone.body["code"] == "unsubscribed"
    unknown = await api.post("/v1/messages", {**ok, "subscriber_id": str(uuid.uuid4())})
    assert unknown.status == 404


async def test_broadcast_dry_run_create_get_cancel(api: Api, other: Api, frozen_clock) -> None:
    for chat, tags in ((1, ("a", "b")), (2, ("a",)), (3, ("b", "x")), (4, ())):
        await subscriber(api, chat, tags=tags)
    await subscriber(api, 5, channel=Channel.MAX, tags=("a",))
    await subscriber(other, 6, tags=("a",))

    async def audience(**filters: Any) -> int:
        reply = await api.post("/v1/broadcasts", {"text": "t", "dry_run": True, **filters})
        assert reply.status == 200, reply.body
        return int(reply.body["audience"])

    assert await audience() == 5
    assert await audience(tags_all=["a", "b"]) == 1
    assert await audience(tags_any=["b", "x"]) == 2
    assert await audience(tags_any=["a"], exclude_tags=["b"]) == 2
    assert await audience(tags_any=["a"], channel="telegram") == 2
    from models import Broadcast

    assert await Broadcast.all().count() == 0  # dry runs store nothing

    send_at = (clock.now() + timedelta(hours=1)).isoformat()
    created = await api.post("/v1/broadcasts", {"text": "Sale", "tags_any": ["a"],
                                                "send_at": send_at})
    assert created.status == 202, created.body
    assert created.body["state"] == "scheduled" and created.body["audience"] == 3
    path = f"/v1/broadcasts/{created.body['id']}"
    got = await api.get(path)
    assert got.status == 200
    assert {k: got.body[k] for k in ("state", "audience", "sent", "failed", "blocked")} == {
        "state": "scheduled", "audience": 3, "sent": 0, "failed": 0, "blocked": 0}
    assert (await other.get(path)).status == 404
    assert (await other.post(path + "/cancel")).status == 404
    cancelled = await api.post(path + "/cancel")
    assert cancelled.status == 200 and cancelled.body["state"] == "cancelled"
    assert cancelled.body["finished_at"] is not None


async def test_broadcast_refuses_bad_input(api: Api) -> None:
    for body in ({}, {"text": ""}, {"text": "t", "messages_per_minute": 0},
                 {"text": "t", "messages_per_minute": "10"}, {"text": "t", "tags_all": ["A"]},
                 {"text": "t", "channel": "sms"}, {"text": "t", "send_at": "tomorrow"},
                 {"text": "t", "dry_run": "yes"}):
        reply = await api.post("/v1/broadcasts", body)
        assert reply.status == 400 and reply.body["code"] == "validation_failed", body
    assert (await api.get("/v1/broadcasts/nope")).status == 404


async def test_empty_broadcast_completes_at_once(api: Api) -> None:
    created = await api.post("/v1/broadcasts", {"text": "t", "tags_all": ["nobody"]})
    assert created.status == 202 and created.body["audience"] == 0
    got = await api.get(f"/v1/broadcasts/{created.body['id']}")
    assert got.body["state"] == "done"
    [completed] = await events(api.project.id, "broadcast.completed")
    assert completed["id"] == created.body["id"]


async def test_subscription_events_and_statuses(api: Api) -> None:
    sub = await subscriber(api, 21)
    [created] = await events(api.project.id, "subscription.created")
    assert created["subscriber"]["id"] == str(sub.id)
    assert await subscribers.mark_blocked(api.project.id, "telegram", 21)
    blocked = await api.get(f"/v1/subscribers/{sub.id}")
    assert blocked.body["status"] == "blocked" and blocked.body["blocked"] is True
    assert [e["reason"] for e in await events(api.project.id, "subscription.cancelled")] == [
        "blocked"]
    back = await subscriber(api, 21)  # wrote to the bot again
    assert back.status == SubscriberStatus.ACTIVE and not back.blocked
    assert len(await events(api.project.id, "subscription.created")) == 2


async def test_notify_endpoints_work_without_the_helpdesk(api: Api) -> None:
    api.project.helpdesk_enabled = False
    await api.project.save()
    assert (await api.get("/v1/subscribers")).status == 200
    assert (await api.get("/v1/helpdesk/tickets")).status == 403


async def test_notify_endpoints_are_rate_limited_per_project(api: Api) -> None:
    api.project.rate_limit = 2
    await api.project.save()
    assert (await api.get("/v1/subscribers")).headers["RateLimit-Policy"] == '"project";q=2;w=60'
    await api.get("/v1/subscribe-link")
    refused = await api.post("/v1/broadcasts", {"text": "t", "dry_run": True})
    assert refused.status == 429 and refused.body["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
