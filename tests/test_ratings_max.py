"""Satisfaction ratings in MAX end to end: the real maxapi client and our Dispatcher against
FakeMax, the survey delivered by the MAX sender (the same rules as Telegram: services.ratings)."""

from __future__ import annotations

from typing import Any

from models import Message, OutboxEvent, Rating, RatingSurvey, Ticket
from models.enums import TicketStatus
from models.ratings import SurveyState
from services import clock, ratings, tickets
from tests.test_max_env import CHAT, MaxEnv, buttons_of, menv_fixture, mx_fixture  # noqa: F401

QUESTION = "How would you rate"


async def subscribed_ticket(menv: MaxEnv, text: str = "My order is late") -> Ticket:
    await menv.start(f"help_{menv.project.slug}")
    await menv.click("✅ Subscribe")
    await menv.click("📝 New ticket")
    await menv.say(text)
    await menv.click("📨 Send")
    return await Ticket.get(project_id=menv.project.id)


def survey(menv: MaxEnv) -> dict[str, Any]:
    """The newest survey message (the one with the 1..5 buttons)."""
    for message in reversed(menv.mx.messages_in(CHAT)):
        if [b["text"] for b in buttons_of(message)] == ["1", "2", "3", "4", "5"]:
            return message
    raise AssertionError("no survey in the chat")


async def press_score(menv: MaxEnv, message: dict[str, Any], score: int) -> None:
    """A press on `message`'s score button, as its stored payload says (the message may have
    been edited since: an old client still shows the buttons)."""
    payload = f"{ratings.PRESS_PREFIX}{survey_id_of(message)}:{score}"
    await menv.feed(
        menv.mx.updates.message_callback(CHAT, CHAT, payload, mid=message["body"]["mid"])
    )


def survey_id_of(message: dict[str, Any]) -> str:
    payload = buttons_of(message)[0]["payload"]
    press = ratings.parse_press(payload)
    assert press is not None
    return press.survey_id


def stored_text(menv: MaxEnv, message: dict[str, Any]) -> str:
    current = menv.mx.message(message["body"]["mid"]) or {}
    return str((current.get("body") or {}).get("text") or "")


async def test_press_comment_and_a_second_press(menv: MaxEnv) -> None:
    await ratings.change_settings(menv.project.id, enabled=True)
    ticket = await subscribed_ticket(menv)
    await tickets.change_status(menv.project, ticket.id, "closed")
    await menv.drain()
    asked = survey(menv)
    assert QUESTION in asked["body"]["text"] and "#1" in asked["body"]["text"]
    messages_before = await Message.filter(ticket_id=ticket.id).count()

    await menv.click("4")
    # the pressed survey becomes the comment prompt (its buttons replaced by [Skip])
    assert stored_text(menv, asked).startswith("Thank you! Anything to add?")
    assert menv.labels() == ["Skip"]
    assert (await Rating.get(ticket_id=ticket.id)).score == 4

    await menv.say("Fast answer, thank you")
    rating = await Rating.get(ticket_id=ticket.id)
    assert rating.comment == "Fast answer, thank you"
    assert await Message.filter(ticket_id=ticket.id).count() == messages_before
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    texts = menv.mx.sent_texts(CHAT)
    assert "🙏 Thank you for your feedback!" in texts
    # then the screen the customer was on (the closed ticket's thread) comes back
    assert "🎫 Ticket #1" in menv.text() and "✅ closed" in menv.text()

    await press_score(menv, asked, 1)
    assert stored_text(menv, asked) == "You have already rated this ticket. Thank you!"
    assert (await Rating.get(ticket_id=ticket.id)).score == 4
    rated = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.rated").order_by("seq")
    assert [e.payload["data"]["rating"]["comment"] for e in rated] == [
        None,
        "Fast answer, thank you",
    ]


async def test_skip_reopened_stale_and_second_close(
    menv: MaxEnv, frozen_clock: clock.FrozenClock
) -> None:
    await ratings.change_settings(menv.project.id, enabled=True)
    ticket = await subscribed_ticket(menv)
    await tickets.change_status(menv.project, ticket.id, "closed", reason=tickets.REASON_AGENT)
    await menv.drain()
    first = survey(menv)

    # writing in the thread reopens the ticket: the survey has ended
    await menv.say("Still late")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    await press_score(menv, first, 5)
    assert stored_text(menv, first) == "⌛ This survey has ended."
    assert await Rating.filter(ticket_id=ticket.id).count() == 0

    # a second close asks again; [Skip] keeps the rating without a comment
    await tickets.change_status(menv.project, ticket.id, "closed", reason=tickets.REASON_AGENT)
    await menv.drain()
    second = survey(menv)
    assert survey_id_of(second) != survey_id_of(first)
    await menv.click("2")
    await menv.click("Skip")
    # the prompt (the pressed survey) now says thank you; the thread comes back below it
    assert stored_text(menv, second) == "🙏 Thank you for your feedback!"
    assert "🎫 Ticket #1" in menv.text()
    rating = await Rating.get(ticket_id=ticket.id)
    assert rating.score == 2 and rating.comment is None
    # the comment is no longer awaited: text goes to the ticket again (and reopens it)
    await menv.say("And one more thing")
    assert await Message.filter(ticket_id=ticket.id, text="And one more thing").exists()
    assert (await Rating.get(ticket_id=ticket.id)).comment is None

    # a third close, pressed after 7 days: ended
    await tickets.change_status(menv.project, ticket.id, "closed", reason=tickets.REASON_AGENT)
    await menv.drain()
    third = survey(menv)
    frozen_clock.advance(days=8)
    await press_score(menv, third, 5)
    assert stored_text(menv, third) == "⌛ This survey has ended."
    states = [s.state for s in await RatingSurvey.filter(ticket_id=ticket.id).order_by("cycle")]
    assert states == [SurveyState.ENDED, SurveyState.DONE, SurveyState.SENT]


async def test_customer_self_close_and_comment_must_be_text(menv: MaxEnv) -> None:
    await ratings.change_settings(menv.project.id, enabled=True)
    ticket = await subscribed_ticket(menv)
    await menv.click("✅ Close ticket")
    await menv.click("Yes, close it")
    await menv.drain()
    assert not any(QUESTION in t for t in menv.mx.sent_texts(CHAT))

    await ratings.change_settings(menv.project.id, ask_when_customer_closes=True)
    await menv.say("Reopen please")
    await menv.click("✅ Close ticket")
    await menv.click("Yes, close it")
    await menv.drain()
    await menv.click("5")
    await menv.say(None, attachments=[{"type": "sticker", "payload": {"code": "x", "url": "u"}}])
    assert menv.text() == "Please write your comment as text, or press Skip."
    await menv.say("Perfect")
    assert (await Rating.get(ticket_id=ticket.id)).comment == "Perfect"
