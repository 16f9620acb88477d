"""Satisfaction ratings in the messenger: the project's switches, the survey queued with a
close, and what a customer's press, comment or [Skip] does — decided here once for Telegram
(dialogs/rating.py) and MAX (bot/max/rating.py), which only show the answer.

A survey belongs to one close of a ticket. It is queued in the close's own transaction (the
customer-notification outbox), ends when the ticket is reopened, and is answered once: the
first press stores the rating (crediting the assignee at close), tells the webhook and the
agent chat, and asks for an optional comment; a later press changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Project, Rating, RatingSettings, RatingSurvey, Subscriber, Ticket
from models.enums import Channel, TicketStatus
from models.ratings import SurveyState
from services import audit, clock, notifications, outbox
from services.audit import Actor
from services.customer_views import Customer
from services.errors import NotFound
from services.i18n import translator
from services.serializers import iso
from services.validation import check_text, invalid, parse_uuid

SURVEY_LIFETIME = timedelta(days=7)  # a press after this says the survey has ended
SCORES = range(1, 6)
MAX_QUESTION = 1000
MAX_COMMENT = 4000
PRESS_PREFIX = "rate:"  # button data "rate:<survey id>:<score>" (≤ 64 bytes for Telegram)
# why a status changed, as services.tickets.set_status is told (`data.reason` of webhooks)
CUSTOMER_REASON = "customer"
RATED_EVENT = "rated"  # agent_event kinds the agent chat renders (delivery/telegram_agent_chat)
COMMENTED_EVENT = "rating_comment"


class Answer(StrEnum):
    """What the customer is told after a press, a comment or [Skip] (each a locale key)."""

    ASK_COMMENT = "rating-ask-comment"  # rated: "anything to add?" [Skip]
    THANKS = "rating-thanks"
    ENDED = "rating-ended"  # reopened since, older than 7 days, or not theirs
    ALREADY_RATED = "rating-already-rated"
    TEXT_ONLY = "rating-comment-text-only"  # a comment must be text; still awaited


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    enabled: bool = False
    ask_when_customer_closes: bool = False
    question: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "ask_when_customer_closes": self.ask_when_customer_closes,
            "question": self.question,
        }


def _settings_of(row: RatingSettings | None) -> Settings:
    if row is None:
        return Settings()
    return Settings(row.enabled, row.ask_when_customer_closes, row.question)


async def get_settings(project_id: uuid.UUID | str, *, check_project: bool = False) -> Settings:
    """`check_project`: an unknown project is NotFound (a CLI id may be mistyped)."""
    pid = parse_uuid(project_id, what="project")
    if check_project and not await Project.exists(id=pid):
        raise NotFound("project not found")
    return _settings_of(await RatingSettings.get_or_none(project_id=pid))


def _check_question(question: object) -> str | None:
    if question is None:
        return None
    if not isinstance(question, str):
        raise invalid("question", "must be a string or null")
    text = question.strip()
    if not text:
        raise invalid("question", "must not be blank (null uses the built-in question)")
    if len(text) > MAX_QUESTION:
        raise invalid("question", f"must be at most {MAX_QUESTION} characters")
    if "\x00" in text:
        raise invalid("question", "must not contain NUL")
    return text


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, "must be true or false")
    return value


async def change_settings(
    project_id: uuid.UUID | str, *, actor: Actor = audit.API, **changes: Any
) -> Settings:
    """Set the given fields (`enabled`, `ask_when_customer_closes`, `question`); the others
    keep their value. The REST PUT passes all three."""
    pid = parse_uuid(project_id, what="project")
    current = await get_settings(pid, check_project=True)
    values = current.view()
    for name, value in changes.items():
        if name == "question":
            values[name] = _check_question(value)
        elif name in ("enabled", "ask_when_customer_closes"):
            values[name] = _check_flag(name, value)
        else:
            raise invalid(name, "is not a ratings setting")
    async with in_transaction():
        row, _ = await RatingSettings.get_or_create(project_id=pid)
        row.enabled = values["enabled"]
        row.ask_when_customer_closes = values["ask_when_customer_closes"]
        row.question = values["question"]
        await row.save()
        changed = audit.diff(current.view(), values)
        if changed:
            await audit.record(
                pid,
                actor,
                "ratings.settings_changed",
                target_type="project",
                target_id=pid,
                changes=changed,
            )
    return _settings_of(row)


# --- at a close and a reopen (inside services.tickets.set_status's transaction) ------------


async def on_closed(ticket: Ticket, reason: str) -> None:
    """Queue the survey of this close when the project asks for ratings (a customer's own
    close only with `ask_when_customer_closes`) and the customer is reachable in a messenger."""
    if ticket.channel == Channel.VIRTUAL or ticket.customer_chat_id is None:
        return
    settings = await get_settings(ticket.project_id)
    if not settings.enabled:
        return
    if reason == CUSTOMER_REASON and not settings.ask_when_customer_closes:
        return
    subscriber = (
        await Subscriber.get_or_none(id=ticket.subscriber_id) if ticket.subscriber_id else None
    )
    if subscriber is not None and subscriber.blocked:
        return
    last = await RatingSurvey.filter(ticket_id=ticket.id).order_by("-cycle").first()
    survey = await RatingSurvey.create(
        project_id=ticket.project_id,
        ticket_id=ticket.id,
        cycle=(last.cycle + 1) if last else 1,
        agent_id=ticket.assignee_id,
        sent_at=clock.now(),
    )
    t = translator(subscriber.language_code if subscriber else None, notifications.default_locale)
    if settings.question:
        text = notifications.with_body(
            t("rating-about-ticket", number=ticket.number), settings.question
        )
    else:
        text = t("rating-question", number=ticket.number)
    buttons = [
        {"text": t("rating-button", score=score), "data": f"{PRESS_PREFIX}{survey.id}:{score}"}
        for score in SCORES
    ]
    # a row with buttons: the delivery's thread refresh leaves it alone (customer_flow)
    await outbox.enqueue_message(
        channel=str(ticket.channel),
        chat_id=ticket.customer_chat_id,
        kind=notifications.CUSTOMER_TEXT,
        payload={
            "text": text,
            "ticket_id": str(ticket.id),
            "ticket_number": ticket.number,
            "attachments": [],
            "buttons": [buttons],
        },
        project_id=ticket.project_id,
        ticket_id=ticket.id,
    )


async def on_reopened(ticket: Ticket) -> None:
    """A reopened ticket's unanswered survey has ended (a press on it changes nothing)."""
    await RatingSurvey.filter(ticket_id=ticket.id, state=SurveyState.SENT).update(
        state=SurveyState.ENDED
    )


# --- the customer's press, comment, skip --------------------------------------------------


@dataclass(frozen=True)
class Press:
    survey_id: str
    score: int


def parse_press(data: str | None) -> Press | None:
    """A survey button's data; None for anything else (or a malformed one)."""
    if not data or not data.startswith(PRESS_PREFIX):
        return None
    survey_id, _, score = data.removeprefix(PRESS_PREFIX).rpartition(":")
    if not survey_id or score not in {str(s) for s in SCORES}:
        return None
    return Press(survey_id, int(score))


@dataclass(frozen=True)
class Outcome:
    answer: Answer
    survey_id: str | None = None  # set with ASK_COMMENT / TEXT_ONLY: where a comment goes

    @property
    def awaits_comment(self) -> bool:
        return self.answer in (Answer.ASK_COMMENT, Answer.TEXT_ONLY)


def _owned(ticket: Ticket, customer: Customer) -> bool:
    return str(ticket.channel) == str(customer.channel) and (
        ticket.customer_chat_id == customer.chat_id
    )


async def _locked_survey(survey_id: object) -> tuple[RatingSurvey, Ticket] | None:
    """The survey and its ticket (summary relations loaded), both row-locked in the caller's
    transaction — the ticket first, in the order a close or reopen takes them."""
    try:
        sid = parse_uuid(survey_id, what="survey")
    except NotFound:
        return None
    found = await RatingSurvey.get_or_none(id=sid).only("id", "ticket_id")
    if found is None:
        return None
    ticket = (
        await Ticket.filter(id=found.ticket_id)
        .select_related("ticket_type", "assignee")
        .select_for_update(of=(Ticket._meta.db_table,))
        .first()
    )
    survey = await RatingSurvey.filter(id=sid).select_for_update().first()
    if ticket is None or survey is None:
        return None
    return survey, ticket


def _ended(survey: RatingSurvey, ticket: Ticket) -> bool:
    if survey.state == SurveyState.ENDED or ticket.status != TicketStatus.CLOSED:
        return True
    return clock.now() - survey.sent_at > SURVEY_LIFETIME


async def rate(customer: Customer, press: Press) -> Outcome:
    """A score button pressed: stored once per survey, then a comment is asked for."""
    async with in_transaction():
        locked = await _locked_survey(press.survey_id)
        if locked is None or not _owned(locked[1], customer):
            return Outcome(Answer.ENDED)
        survey, ticket = locked
        if survey.state in (SurveyState.RATED, SurveyState.DONE):
            return Outcome(Answer.ALREADY_RATED)
        if _ended(survey, ticket):
            return Outcome(Answer.ENDED)
        try:
            rating = await Rating.create(
                project_id=survey.project_id,
                ticket_id=ticket.id,
                survey_id=survey.id,
                agent_id=survey.agent_id,
                score=press.score,
                rated_at=clock.now(),
            )
        except IntegrityError:  # a concurrent press won (the survey is unique)
            return Outcome(Answer.ALREADY_RATED)
        await RatingSurvey.filter(id=survey.id).update(state=SurveyState.RATED)
        await _announce(ticket, rating, RATED_EVENT)
    return Outcome(Answer.ASK_COMMENT, str(survey.id))


async def comment(customer: Customer, survey_id: object, text: str | None) -> Outcome:
    """The customer's next message while a comment is awaited: stored with the rating (and
    never added to a ticket). Not text (a sticker, a bare photo): asked again."""
    body = (text or "").strip()
    if not body:
        return Outcome(Answer.TEXT_ONLY, str(survey_id))
    body = check_text(body[:MAX_COMMENT], field="comment")
    async with in_transaction():
        locked = await _locked_survey(survey_id)
        if locked is None or not _owned(locked[1], customer):
            return Outcome(Answer.ENDED)
        survey, ticket = locked
        if survey.state != SurveyState.RATED:
            return Outcome(
                Answer.ALREADY_RATED if survey.state == SurveyState.DONE else Answer.ENDED
            )
        rating = await Rating.get(survey_id=survey.id)
        rating.comment = body
        await Rating.filter(id=rating.id).update(comment=body)
        await RatingSurvey.filter(id=survey.id).update(state=SurveyState.DONE)
        await _announce(ticket, rating, COMMENTED_EVENT)
    return Outcome(Answer.THANKS)


async def skip(customer: Customer, survey_id: object) -> Outcome:
    """[Skip]: no comment; the rating stands as given."""
    async with in_transaction():
        locked = await _locked_survey(survey_id)
        if locked is None or not _owned(locked[1], customer):
            return Outcome(Answer.ENDED)
        survey, _ = locked
        if survey.state == SurveyState.RATED:
            await RatingSurvey.filter(id=survey.id).update(state=SurveyState.DONE)
    return Outcome(Answer.THANKS)


async def _announce(ticket: Ticket, rating: Rating, agent_event: str) -> None:
    """`ticket.rated` (again, with the comment, after one) and a line in the agent topic."""
    view = rating_view(rating)
    await outbox.record_event(ticket, outbox.TICKET_RATED, rating=view)
    await notifications.notify_agents(
        ticket, agent_event, data={"score": rating.score, "comment": rating.comment}
    )


# --- reads ---------------------------------------------------------------------------------


def rating_view(rating: Rating) -> dict[str, Any]:
    return {
        "id": str(rating.id),
        "score": rating.score,
        "comment": rating.comment,
        "rated_at": iso(rating.rated_at),
        "agent_id": str(rating.agent_id) if rating.agent_id else None,
    }


async def ticket_rating(ticket_id: uuid.UUID) -> dict[str, Any] | None:
    """The ticket's latest rating (of its latest rated close), or None."""
    rating = await Rating.filter(ticket_id=ticket_id).order_by("-rated_at").first()
    return rating_view(rating) if rating else None
