"""`GET /v1/helpdesk/tickets?q=`: full-text search on SQLite (FTS5) and PostgreSQL (GIN)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import SUMMARY_FIELDS, Api


async def search(api: Api, q: str, **params: str) -> tuple[list[int], int]:
    reply = await api.get("/tickets", params={"q": q, **params})
    assert reply.status == 200, reply.body
    for ticket in reply.body["tickets"]:
        assert set(ticket) >= SUMMARY_FIELDS
    return [t["ticket_number"] for t in reply.body["tickets"]], reply.body["total"]


async def ticket(api: Api, text: str, **fields: Any) -> dict[str, Any]:
    return await api.ticket(text=text, **fields)


async def test_russian_word_forms_are_found(api: Api) -> None:
    await ticket(api, "Где мой заказ? Жду уже неделю")
    await ticket(api, "Статус заказа №123 не меняется")
    await ticket(api, "Оплата картой не проходит")
    await ticket(api, "Отмените все мои ЗАКАЗЫ")

    for q in ("заказ", "заказа", "заказов", "Заказы"):
        numbers, total = await search(api, q)
        assert sorted(numbers) == [1, 2, 4], q
        assert total == 3
    assert (await search(api, "оплату"))[0] == [3]


async def test_english_word_forms_and_every_word_must_match(api: Api) -> None:
    await ticket(api, "My orders are late")
    await ticket(api, "The order arrived broken")
    await ticket(api, "Refund for the broken ordered item", subject="Refund please")

    assert sorted((await search(api, "order"))[0]) == [1, 2, 3]
    assert sorted((await search(api, "ORDERS"))[0]) == [1, 2, 3]
    assert sorted((await search(api, "broken order"))[0]) == [2, 3]
    assert (await search(api, "refund broken"))[0] == [3]
    assert await search(api, "refund late") == ([], 0)


async def test_agent_replies_internal_notes_and_subjects_are_searched(
    api: Api, agent_id: str
) -> None:
    first = await ticket(api, "Hello", subject="Printer jammed")
    second = await ticket(api, "Hi there")
    await api.post(f"/tickets/{second['id']}/reply", {"text": "Try restarting the router"})
    await api.post(
        f"/tickets/{second['id']}/reply", {"text": "Escalated to networking", "internal": True}
    )

    assert (await search(api, "printer"))[0] == [first["ticket_number"]]
    assert (await search(api, "router"))[0] == [second["ticket_number"]]
    assert (await search(api, "escalated networking"))[0] == [second["ticket_number"]]
    # a customer's later message is found too
    await api.post(f"/tickets/{first['id']}/customer-reply", {"text": "Still jammed, toner low"})
    assert (await search(api, "toner"))[0] == [first["ticket_number"]]


async def test_search_combines_with_every_filter(api: Api, agent_id: str) -> None:
    one = await ticket(api, "Delivery is late")
    two = await ticket(api, "Delivery address wrong")
    three = await ticket(api, "Delivery cancelled", channel="telegram", chat_id=555)
    await ticket(api, "Unrelated question")
    await api.patch(f"/tickets/{one['id']}/assign", {"user_id": agent_id})
    await api.patch(f"/tickets/{two['id']}/status", {"status": "closed"})

    assert (await search(api, "delivery", status="closed")) == ([2], 1)
    assert sorted((await search(api, "delivery", status="new,closed"))[0]) == [1, 2, 3]
    assert (await search(api, "delivery", assigned_to=agent_id)) == ([1], 1)
    assert (await search(api, "delivery", channel="telegram")) == (
        [three["ticket_number"]],
        1,
    )
    numbers, total = await search(api, "delivery", limit="1", offset="1")
    assert len(numbers) == 1 and total == 3
    assert await search(api, "delivery", offset="10") == ([], 3)  # past the end: still counted


async def test_another_projects_tickets_are_never_found(api: Api, other: Api) -> None:
    await ticket(other, "Secret invoice of another company", subject="Invoice")
    await ticket(api, "My invoice is wrong")

    assert await search(api, "invoice") == ([1], 1)
    assert await search(api, "secret") == ([], 0)
    assert await search(other, "invoice") == ([1], 1)


async def test_ranked_by_relevance_ties_newest_first(api: Api) -> None:
    await ticket(api, "Something about a refund maybe")
    await ticket(api, "Refund! I want a refund, the refund is overdue", subject="Refund")
    await ticket(api, "Something about a refund maybe")

    numbers, total = await search(api, "refund")
    assert total == 3
    assert numbers == [2, 3, 1]  # the most relevant, then equal scores newest first


async def test_query_syntax_is_never_interpreted(api: Api) -> None:
    await ticket(api, "Cannot log in: password reset fails")

    for q in ('"', "'", "password' | '", 'pass* OR "x', "a & !b", "(reset)", "NEAR(a b)",
              "log:*", "\\", "%", "-reset", "reset:A"):
        reply = await api.get("/tickets", params={"q": q})
        assert reply.status == 200, (q, reply.body)
    assert (await search(api, "(reset)"))[0] == [1]
    assert await search(api, "!!! ???") == ([], 0)


async def test_a_bad_query_is_a_400(api: Api) -> None:
    reply = await api.get("/tickets", params={"q": "x" * 201})
    assert reply.status == 400
    assert reply.body["code"] == "validation_failed"
    reply = await api.get("/tickets", params={"q": ""})
    assert reply.status == 400
