"""Satisfaction survey in MAX: a press on the survey's buttons ("rate:<survey>:<score>",
raw payloads put there by services.ratings), then the comment screen — the next message there
is the comment, never a ticket message — and back to the screen the customer was on."""

from __future__ import annotations

from maxapi import F, Router
from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated

from bot.max.attachments import part_of
from bot.max.chat import MaxChat, View
from bot.max.payloads import Nav
from bot.max.screens import go, show
from bot.max.states import RATING_BACK, RATING_PROMPT, RATING_SURVEY, Screen
from services import ratings


async def on_rating_press(event: MessageCallback, chat: MaxChat) -> None:
    """The pressed survey becomes the answer: the comment prompt, or why nothing changed."""
    press = ratings.parse_press(event.callback.payload)
    outcome = (
        await ratings.rate(chat.customer, press) if press else ratings.Outcome(ratings.Answer.ENDED)
    )
    if not outcome.awaits_comment:
        await chat.show(View(chat.t(outcome.answer)))
        return
    state = await chat.context.get_state()
    back = str(state) if state is not None and str(state) != str(Screen.rating_comment) else None
    changes = {RATING_SURVEY: outcome.survey_id, RATING_PROMPT: outcome.answer}
    if back is not None or RATING_BACK not in await chat.data():
        changes[RATING_BACK] = back
    await go(chat, Screen.rating_comment, **changes)


async def _finish(chat: MaxChat, outcome: ratings.Outcome) -> None:
    data = await chat.data()
    if outcome.awaits_comment:
        data[RATING_PROMPT] = outcome.answer
        await chat.context.set_data(data)
        await show(chat)
        return
    await chat.show(View(chat.t(outcome.answer)))
    back = data.pop(RATING_BACK, None)
    data.pop(RATING_SURVEY, None)
    data.pop(RATING_PROMPT, None)
    await chat.context.set_data(data)
    await chat.context.set_state(back)
    await show(chat)  # the screen they were on (no screen: where /start leads)


async def on_comment(event: MessageCreated, chat: MaxChat) -> None:
    survey_id = (await chat.data()).get(RATING_SURVEY)
    outcome = await ratings.comment(chat.customer, survey_id, part_of(event.message).text)
    await _finish(chat, outcome)


async def on_skip(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    survey_id = (await chat.data()).get(RATING_SURVEY)
    await _finish(chat, await ratings.skip(chat.customer, survey_id))


def rating_router() -> Router:
    """Survey presses come from any screen: included before the screens' router."""
    router = Router(router_id=__name__)
    router.message_callback.register(
        on_rating_press, F.callback.payload.startswith(ratings.PRESS_PREFIX)
    )
    return router
