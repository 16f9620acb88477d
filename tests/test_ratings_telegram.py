"""Satisfaction ratings in Telegram end to end: the bot app (webhook route, the real aiogram
client and the dialogs) against FakeTelegram, the survey delivered by the Telegram sender, the
agent group's topic fed by the same bot."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from models import Message, OutboxEvent, Rating, RatingSurvey, Ticket
from models.enums import TicketStatus
from models.ratings import SurveyState
from services import agent_chat, catalog, clock, ratings, ticket_queries, tickets
from tests.dialogs.conftest import make_settings
from tests.fakes.telegram import FakeTelegram

CUSTOMER = 7101
GROUP = -1007100
ADMIN = 7102
SECRET = "csat-secret"
PATH = "/bot/telegram/webhook"
SCORE_BUTTONS = ["1", "2", "3", "4", "5"]


@dataclass
class Bench:
    client: Any
    tg: FakeTelegram
    project: Any
    delivery: Any

    async def post(self, update: dict[str, Any]) -> None:
        response = await self.client.post(
            PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status == 200

    async def say(self, text: str, chat: int = CUSTOMER, user: int = CUSTOMER, **kw: Any) -> None:
        kw.setdefault("first_name", "Ann")
        await self.post(self.tg.updates.message(chat, user, text, **kw))

    def button(self, pattern: str, before: int | None = None) -> tuple[int, str]:
        """(message id, data) of the newest customer message with a matching button
        (`before`: only messages older than that id)."""
        for message in reversed(self.tg.messages_in(CUSTOMER)):
            if before is not None and message["message_id"] >= before:
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if re.fullmatch(pattern, button["text"]):
                        return message["message_id"], button["callback_data"]
        raise AssertionError(f"no button {pattern!r} in {self.tg.sent_texts(CUSTOMER)}")

    async def click(self, pattern: str, before: int | None = None) -> str:
        """Press a button; the answer shown on it (answerCallbackQuery text), if any."""
        return await self.press(*self.button(pattern, before))

    async def press(self, message_id: int, data: str) -> str:
        """A press with this data on this message (also one whose keyboard is gone since,
        as a client that has not refreshed still shows it)."""
        answers = len(self.tg.calls_to("answerCallbackQuery"))
        await self.post(self.tg.updates.callback(CUSTOMER, CUSTOMER, data, message_id=message_id))
        new = self.tg.calls_to("answerCallbackQuery")[answers:]
        return str(new[-1].params.get("text") or "") if new else ""

    def texts(self) -> list[str]:
        return self.tg.sent_texts(CUSTOMER)

    def last_text(self) -> str:
        for call in reversed(self.tg.calls):
            if call.ok and call.chat_id == CUSTOMER and call.text:
                return str(call.text)
        return ""

    async def drain(self) -> None:
        for sender in self.delivery.senders.values():
            while await sender.run_once():
                pass

    def survey_id(self) -> int:
        """The message id of the newest survey (the message with the 1..5 buttons)."""
        return self.button("5")[0]

    async def open_ticket(self, text: str = "My order is late") -> Ticket:
        await self.click("📝 New ticket")
        await self.say(text)
        await self.click("📨 Send")
        ticket = await Ticket.filter(project_id=self.project.id).order_by("-number").first()
        assert ticket is not None
        return ticket


@pytest.fixture
async def bench(aiohttp_client, db, project) -> AsyncIterator[Bench]:
    from helpdesk.app import RESOURCES, create_app
    from helpdesk.workers import create_delivery

    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db,
            telegram_bot_token="123456:ABC",
            telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + PATH,
            telegram_webhook_secret=SECRET,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        resources = client.app[RESOURCES]
        delivery = create_delivery(
            settings, telegram_bot=resources.bots.telegram, setup=resources.bots.delivery_setup
        )
        bench = Bench(client, tg, project, delivery)
        await bench.say(f"/start help_{project.slug}")
        await bench.click("✅ Subscribe")
        yield bench


async def bind_group(bench: Bench) -> None:
    bench.tg.add_chat(GROUP, is_forum=True)
    code = await agent_chat.create_binding_code(bench.project.id)
    await bench.say(f"/connect {code.code}", chat=GROUP, user=ADMIN, username="boss")


async def events(ticket: Ticket, name: str) -> list[dict[str, Any]]:
    rows = await OutboxEvent.filter(ticket_id=ticket.id, event=name).order_by("seq")
    return [row.payload["data"] for row in rows]


async def test_close_press_comment_webhook_topic_and_details(bench: Bench) -> None:
    await ratings.change_settings(bench.project.id, enabled=True)
    await bind_group(bench)
    ticket = await bench.open_ticket()
    kate = await catalog.add_agent(bench.project, name="Kate")
    await tickets.assign(bench.project, ticket.id, kate.id)
    await tickets.agent_reply(bench.project, ticket.id, "It ships tomorrow")
    await tickets.change_status(bench.project, ticket.id, "closed")  # as PATCH …/status does
    closed = await events(ticket, "ticket.closed")
    assert closed[0]["reason"] == "api"
    assert (await events(ticket, "ticket.status_changed"))[-1]["reason"] == "api"
    await bench.drain()

    # the survey comes below the closed notice, with five buttons
    texts = bench.texts()
    survey_at = next(i for i, t in enumerate(texts) if "How would you rate" in t)
    assert "ticket #1" in texts[survey_at]
    assert any("is closed" in t for t in texts[:survey_at])
    survey_message = bench.tg.message(CUSTOMER, bench.survey_id())
    assert survey_message is not None
    labels = [b["text"] for b in survey_message["reply_markup"]["inline_keyboard"][0]]
    assert labels == SCORE_BUTTONS
    data = survey_message["reply_markup"]["inline_keyboard"][0][3]["callback_data"]
    assert len(data.encode()) <= 64

    messages_before = await Message.filter(ticket_id=ticket.id).count()
    five = bench.button("5")
    await bench.click("4")
    # the pressed survey loses its buttons (the comment prompt is the window now)
    assert not (bench.tg.message(CUSTOMER, five[0]) or {}).get("reply_markup")
    rating = await Rating.get(ticket_id=ticket.id)
    assert rating.score == 4 and rating.agent_id == kate.id and rating.comment is None
    assert "Anything to add?" in bench.last_text()
    _, skip_data = bench.button("Skip")
    assert skip_data and not skip_data.startswith(ratings.PRESS_PREFIX)

    # the next text is the comment: stored with the rating, never a ticket message
    await bench.say("Quick and friendly, thanks")
    rating = await Rating.get(ticket_id=ticket.id)
    assert rating.comment == "Quick and friendly, thanks"
    assert await Message.filter(ticket_id=ticket.id).count() == messages_before
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    assert "Thank you for your feedback" in " ".join(bench.texts()[-3:])

    # a second press on the same survey changes nothing
    answer = await bench.press(*five)
    assert "already rated" in answer
    assert await Rating.filter(ticket_id=ticket.id).count() == 1
    assert (await Rating.get(ticket_id=ticket.id)).score == 4

    # the webhook: ticket.rated on the press and again with the comment
    rated = await events(ticket, "ticket.rated")
    assert [r["rating"]["comment"] for r in rated] == [None, "Quick and friendly, thanks"]
    assert rated[0]["rating"]["score"] == 4 and rated[0]["rating"]["agent_id"] == str(kate.id)
    assert rated[0]["ticket"]["id"] == str(ticket.id)

    # the agent topic shows both lines, and stays closed
    await bench.drain()
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.agent_topic_id is not None
    topic_texts = [m.get("text") or "" for m in bench.tg.messages_in(GROUP, ticket.agent_topic_id)]
    assert "⭐ Customer rating: 4/5" in topic_texts
    assert any(t.endswith("Quick and friendly, thanks") and "comment" in t for t in topic_texts)
    topic = bench.tg.topic(GROUP, ticket.agent_topic_id)
    assert topic is not None and topic.state == "closed"

    # ticket details carry the rating
    details = await ticket_queries.ticket_details_view(bench.project, ticket.id)
    assert details["rating"] == {
        "id": str(rating.id),
        "score": 4,
        "comment": "Quick and friendly, thanks",
        "rated_at": details["rating"]["rated_at"],
        "agent_id": str(kate.id),
    }


async def test_skip_stale_reopened_and_second_close(
    bench: Bench, frozen_clock: clock.FrozenClock
) -> None:
    await ratings.change_settings(bench.project.id, enabled=True)
    await bind_group(bench)
    ticket = await bench.open_ticket()
    await bench.drain()  # the ticket's topic is opened
    topic = (await Ticket.get(id=ticket.id)).agent_topic_id
    # an agent closes it with /close in its topic
    await bench.say("/close", chat=GROUP, user=ADMIN, username="boss", message_thread_id=topic)
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    assert (await events(ticket, "ticket.closed"))[0]["reason"] == "agent"
    await bench.drain()
    first_survey = bench.button("3")

    # the customer writes instead: the ticket reopens, the survey has ended
    await bench.click("⬅️ Back")  # any screen: the thread is not needed to press a survey
    await bench.click(r"📂 My tickets.*")
    await bench.click(r".*#1.*")
    await bench.say("Actually it is still late")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    answer = await bench.press(*first_survey)
    assert "survey has ended" in answer
    assert await Rating.filter(ticket_id=ticket.id).count() == 0
    assert (await RatingSurvey.get(ticket_id=ticket.id)).state == SurveyState.ENDED

    # a second close asks again; [Skip] keeps the rating without a comment
    await tickets.change_status(bench.project, ticket.id, "closed", reason=tickets.REASON_AGENT)
    await bench.drain()
    second_survey = bench.survey_id()
    assert second_survey > first_survey[0]
    await bench.click("2")
    await bench.click("Skip")
    assert "Thank you for your feedback" in " ".join(bench.texts()[-3:])
    rating = await Rating.get(ticket_id=ticket.id)
    assert rating.score == 2 and rating.comment is None
    surveys = await RatingSurvey.filter(ticket_id=ticket.id).order_by("cycle")
    assert [(s.cycle, s.state) for s in surveys] == [(1, "ended"), (2, "done")]
    # after the skip, text is a ticket message again (the comment is no longer awaited)
    await bench.say("One more question")
    assert await Message.filter(ticket_id=ticket.id, text="One more question").exists()
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    assert (await Rating.get(ticket_id=ticket.id)).comment is None

    # the old first survey, pressed again now: still ended
    answer = await bench.press(*first_survey)
    assert "survey has ended" in answer

    # a third close; a press after 7 days says the survey has ended
    await tickets.change_status(bench.project, ticket.id, "closed", reason=tickets.REASON_AGENT)
    await bench.drain()
    frozen_clock.advance(days=7, minutes=1)
    answer = await bench.click("5")
    assert "survey has ended" in answer
    assert await Rating.filter(ticket_id=ticket.id).count() == 1


async def test_customer_self_close_asks_only_with_the_setting(bench: Bench) -> None:
    await ratings.change_settings(bench.project.id, enabled=True)
    ticket = await bench.open_ticket()
    await bench.click("✅ Close ticket")
    await bench.click("Yes, close it")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    assert (await events(ticket, "ticket.closed"))[0]["reason"] == "customer"
    await bench.drain()
    assert not any("How would you rate" in t for t in bench.texts())
    assert await RatingSurvey.filter(ticket_id=ticket.id).count() == 0

    await ratings.change_settings(bench.project.id, ask_when_customer_closes=True)
    await bench.say("Reopening it")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    await bench.click("✅ Close ticket")
    await bench.click("Yes, close it")
    await bench.drain()
    assert any("How would you rate" in t for t in bench.texts())
    await bench.click("5")
    await bench.say("👍")
    rating = await Rating.get(ticket_id=ticket.id)
    assert rating.score == 5 and rating.comment == "👍" and rating.agent_id is None


async def test_disabled_by_default_and_own_question(bench: Bench) -> None:
    ticket = await bench.open_ticket()
    await tickets.change_status(bench.project, ticket.id, "closed")
    await bench.drain()
    assert not any("How would you rate" in t for t in bench.texts())

    await ratings.change_settings(
        bench.project.id, enabled=True, question="Did Acme solve your problem?"
    )
    await tickets.change_status(bench.project, ticket.id, "open")
    await tickets.change_status(bench.project, ticket.id, "closed")
    await bench.drain()
    survey = bench.tg.message(CUSTOMER, bench.survey_id())
    assert survey is not None
    assert survey["text"] == "⭐ Ticket #1\nDid Acme solve your problem?"
