"""services.ratings on its own: when a survey is queued (reasons, channels, reachability, the
close's own transaction), its text and buttons, and what a press may change."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from models import OutboundMessage, Rating, RatingSurvey, Subscriber, Ticket
from models.enums import Channel, MessageSource, TicketStatus
from services import ratings, ticket_queries, tickets
from services.customer_views import Customer
from services.notifications import CUSTOMER_TEXT

CHAT = 3301


async def telegram_ticket(project, chat_id: int = CHAT, language: str | None = "en") -> Ticket:
    new = tickets.NewTicket(
        text="Late order", channel=Channel.TELEGRAM, chat_id=chat_id, first_name="Ann",
        language_code=language, source=MessageSource.TELEGRAM,
    )
    return await tickets.create_ticket(project, new)


async def surveys_sent(ticket: Ticket) -> list[OutboundMessage]:
    rows = await OutboundMessage.filter(ticket_id=ticket.id, kind=CUSTOMER_TEXT)
    return [row for row in rows if row.payload.get("buttons")]


async def close(project, ticket: Ticket, reason: str) -> None:
    async with in_transaction():
        locked = await ticket_queries.load(await Ticket.get(id=ticket.id))
        await tickets.set_status(locked, TicketStatus.CLOSED, reason=reason)


@pytest.mark.parametrize(
    ("reason", "asked"),
    [("agent", True), ("api", True), ("auto", True), ("customer", False)],
)
async def test_which_closes_ask(project, reason: str, asked: bool) -> None:
    await ratings.change_settings(project.id, enabled=True)
    ticket = await telegram_ticket(project)
    await close(project, ticket, reason)
    assert bool(await surveys_sent(ticket)) is asked
    assert await RatingSurvey.filter(ticket_id=ticket.id).count() == int(asked)


async def test_customer_close_asks_with_the_setting(project) -> None:
    await ratings.change_settings(project.id, enabled=True, ask_when_customer_closes=True)
    ticket = await telegram_ticket(project)
    await close(project, ticket, tickets.REASON_CUSTOMER)
    assert len(await surveys_sent(ticket)) == 1


async def test_no_survey_when_off_virtual_or_unreachable(project) -> None:
    ticket = await telegram_ticket(project)
    await close(project, ticket, "api")  # off by default
    await ratings.change_settings(project.id, enabled=True)
    virtual = await tickets.create_ticket(project, tickets.NewTicket(text="From the site"))
    await close(project, virtual, "api")
    blocked = await telegram_ticket(project, chat_id=CHAT + 1)
    await Subscriber.filter(id=blocked.subscriber_id).update(blocked=True)
    await close(project, blocked, "api")
    assert await RatingSurvey.all().count() == 0
    assert all(not row.payload.get("buttons") for row in await OutboundMessage.all())


async def test_survey_is_written_with_the_close_or_not_at_all(project) -> None:
    await ratings.change_settings(project.id, enabled=True)
    ticket = await telegram_ticket(project)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            locked = await ticket_queries.load(await Ticket.get(id=ticket.id))
            await tickets.set_status(locked, TicketStatus.CLOSED, reason="api")
            assert await RatingSurvey.filter(ticket_id=ticket.id).count() == 1
            raise RuntimeError("the close fails after the survey was queued")
    assert await RatingSurvey.filter(ticket_id=ticket.id).count() == 0
    assert await surveys_sent(ticket) == []
    assert (await Ticket.get(id=ticket.id)).status != TicketStatus.CLOSED


async def test_question_text_language_and_button_data(project) -> None:
    await ratings.change_settings(project.id, enabled=True)
    ticket = await telegram_ticket(project, language="ru")
    await close(project, ticket, "api")
    [row] = await surveys_sent(ticket)
    assert row.payload["text"].startswith("⭐ Как вы оцениваете нашу помощь по заявке #1?")
    buttons = row.payload["buttons"][0]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    for score, button in enumerate(buttons, start=1):
        press = ratings.parse_press(button["data"])
        assert press is not None and press.score == score
        assert len(button["data"].encode()) <= 64


@pytest.mark.parametrize(
    "data", [None, "", "rate:", "rate:abc", "rate:abc:6", "rate:abc:0", "open_ticket:x", "rate::3"]
)
def test_malformed_press_data(data: str | None) -> None:
    assert ratings.parse_press(data) is None


async def test_a_press_from_another_chat_or_for_no_survey_changes_nothing(project) -> None:
    await ratings.change_settings(project.id, enabled=True)
    ticket = await telegram_ticket(project)
    await close(project, ticket, "api")
    survey = await RatingSurvey.get(ticket_id=ticket.id)
    stranger = Customer(Channel.TELEGRAM, CHAT + 99)
    same_id_other_messenger = Customer(Channel.MAX, CHAT)
    for who in (stranger, same_id_other_messenger):
        outcome = await ratings.rate(who, ratings.Press(str(survey.id), 5))
        assert outcome.answer == ratings.Answer.ENDED
    gone = await ratings.rate(Customer(Channel.TELEGRAM, CHAT), ratings.Press("nope", 5))
    assert gone.answer == ratings.Answer.ENDED
    comment = await ratings.comment(stranger, survey.id, "hijack")
    assert comment.answer == ratings.Answer.ENDED
    assert await Rating.all().count() == 0


async def test_concurrent_presses_store_one_rating(project) -> None:
    await ratings.change_settings(project.id, enabled=True)
    ticket = await telegram_ticket(project)
    await close(project, ticket, "api")
    survey = await RatingSurvey.get(ticket_id=ticket.id)
    customer = Customer(Channel.TELEGRAM, CHAT)
    outcomes = await asyncio.gather(
        *(ratings.rate(customer, ratings.Press(str(survey.id), s)) for s in (1, 5, 3))
    )
    answers = sorted(o.answer for o in outcomes)
    assert answers.count(ratings.Answer.ASK_COMMENT) == 1
    assert answers.count(ratings.Answer.ALREADY_RATED) == 2
    assert await Rating.filter(ticket_id=ticket.id).count() == 1


async def test_comment_only_when_awaited(project) -> None:
    await ratings.change_settings(project.id, enabled=True)
    ticket = await telegram_ticket(project)
    await close(project, ticket, "api")
    survey = await RatingSurvey.get(ticket_id=ticket.id)
    customer = Customer(Channel.TELEGRAM, CHAT)
    early = await ratings.comment(customer, survey.id, "before any press")
    assert early.answer == ratings.Answer.ENDED  # nothing to comment on yet
    await ratings.rate(customer, ratings.Press(str(survey.id), 4))
    assert (await ratings.comment(customer, survey.id, "  ")).answer == ratings.Answer.TEXT_ONLY
    assert (await ratings.comment(customer, survey.id, "good")).answer == ratings.Answer.THANKS
    again = await ratings.comment(customer, survey.id, "more")
    assert again.answer == ratings.Answer.ALREADY_RATED
    assert (await Rating.get(ticket_id=ticket.id)).comment == "good"


async def test_settings_of_an_unknown_project(db) -> None:
    from services.errors import NotFound

    with pytest.raises(NotFound):
        await ratings.change_settings("00000000-0000-0000-0000-000000000000", enabled=True)
    with pytest.raises(NotFound):
        await ratings.get_settings("not-a-uuid", check_project=True)


async def test_every_status_change_says_why(project) -> None:
    from models import OutboxEvent
    from services import customer_messages

    ticket = await telegram_ticket(project)
    await tickets.agent_reply(project, ticket.id, "Over REST")  # new → waiting
    await tickets.change_status(project, ticket.id, "closed", reason=tickets.REASON_AGENT)
    await customer_messages.customer_message(
        project, ticket.id, "Still broken", source=MessageSource.TELEGRAM
    )  # closed → open
    await tickets.agent_reply(
        project, ticket.id, "From the topic", source=MessageSource.AGENT_CHAT
    )  # open → waiting
    rows = await OutboxEvent.filter(ticket_id=ticket.id).order_by("seq")
    changes = [
        (r.payload["data"]["to"], r.payload["data"]["reason"])
        for r in rows
        if r.event == "ticket.status_changed"
    ]
    assert changes == [
        ("waiting", "api"), ("closed", "agent"), ("open", "customer"), ("waiting", "agent"),
    ]
    closed = [r.payload["data"]["reason"] for r in rows if r.event == "ticket.closed"]
    assert closed == ["agent"]
