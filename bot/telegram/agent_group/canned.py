"""`/r` and `/find` answers in the Telegram agent group, and the `/r` list's buttons.

The commands themselves go through `commands.py` → `services.agent_desk.command`; this
module renders what they return and handles a press on a listed canned reply
(`services.agent_desk.pick_canned`)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.telegram.agent_group.context import desk_user, membership, reply, user_t
from bot.telegram.agent_group.render import notice
from models.enums import Channel
from services import agent_desk
from services.agent_desk_types import Command, DeskPress, DeskResult, Outcome
from services.i18n import Translator
from services.search import FoundTicket

MENU_SIZE = 50  # buttons in the `/r` list (Telegram allows 100 per keyboard)
BUTTON_TEXT_LIMIT = 64
SUBJECT_LIMIT = 120
SUPERGROUP_PREFIX = "-100"

Answer = tuple[str, InlineKeyboardMarkup | None]


class CannedPick(CallbackData, prefix="hdr"):
    """A `/r` list button: the ticket's number and the reply's id as 32 hex digits (≤ 64
    bytes together; a ticket id as well would not fit)."""

    ticket: int
    reply: str


def canned_router() -> Router:
    router = Router(name="agent_group.canned")
    router.callback_query.register(on_pick, CannedPick.filter())
    return router


async def on_pick(query: CallbackQuery, callback_data: CannedPick, bot: Bot) -> None:
    """A press on the `/r` list sends that reply, exactly as `/r CODE` would."""
    listing = query.message
    assert listing is not None  # a callback query from a group always names its chat
    pick = DeskPress(
        platform=Channel.TELEGRAM,
        chat_id=listing.chat.id,
        user=desk_user(query.from_user),
        ticket=str(callback_data.ticket),
        button=Command.REPLY,
        value=callback_data.reply,
    )
    result = await agent_desk.pick_canned(pick, membership(bot))
    if result.outcome == Outcome.IGNORED:
        return
    t = user_t(query.from_user)
    if result.outcome == Outcome.NOT_ALLOWED:
        await query.answer(notice(result, t), show_alert=True)
        return
    await query.answer()
    answer = desk_answer(result, t)
    if answer is not None and isinstance(listing, Message):
        await reply(listing, answer[0])


def desk_answer(result: DeskResult, t: Translator) -> Answer | None:
    """The answer to `/r` or `/find` (text and buttons); None for other outcomes."""
    outcome = result.outcome
    if outcome == Outcome.CANNED_SENT:
        return t("agent-canned-sent", text=result.text or ""), None
    if outcome == Outcome.CANNED_MENU:
        if not result.choices:
            return t("agent-canned-none"), None
        assert result.ticket_number is not None
        return t("agent-canned-menu", number=result.ticket_number), _menu(result, t)
    if outcome == Outcome.CANNED_UNKNOWN:
        if not result.suggestions:
            return t("agent-canned-unknown-none", code=result.code or ""), None
        codes = ", ".join(result.suggestions)
        return t("agent-canned-unknown", code=result.code or "", codes=codes), None
    if outcome == Outcome.FOUND:
        return _found(result.text or "", result.found, t), None
    return None


def _menu(result: DeskResult, t: Translator) -> InlineKeyboardMarkup:
    assert result.ticket_number is not None
    rows = []
    for choice in result.choices[:MENU_SIZE]:
        text = t("agent-canned-button", code=choice.code, title=choice.title)
        if len(text) > BUTTON_TEXT_LIMIT:
            text = text[: BUTTON_TEXT_LIMIT - 1] + "…"
        data = CannedPick(ticket=result.ticket_number, reply=choice.id.hex).pack()
        rows.append([InlineKeyboardButton(text=text, callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _found(query: str, found: tuple[FoundTicket, ...], t: Translator) -> str:
    """A line per ticket, each followed by its topic's link (Telegram links it as is)."""
    query = query if len(query) <= SUBJECT_LIMIT else query[: SUBJECT_LIMIT - 1] + "…"
    if not found:
        return t("agent-find-none", query=query)
    lines = [t("agent-find-header", query=query)]
    for ticket in found:
        subject = ticket.subject or t("agent-no-subject")
        if len(subject) > SUBJECT_LIMIT:
            subject = subject[: SUBJECT_LIMIT - 1] + "…"
        lines.append(
            t(
                "agent-find-line",
                number=ticket.number,
                subject=subject,
                status=t(f"agent-status-{ticket.status}"),
            )
        )
        link = topic_link(ticket)
        if link is not None:
            lines.append(link)
    return "\n".join(lines)


def topic_link(ticket: FoundTicket) -> str | None:
    """https://t.me/c/<chat>/<topic> (or the card, in a group without topics); None when the
    ticket has no place in a supergroup (only supergroups have such links)."""
    chat = str(ticket.agent_chat_id or "")
    message = ticket.agent_topic_id or ticket.agent_card_message_id
    if not chat.startswith(SUPERGROUP_PREFIX) or message is None:
        return None
    return f"https://t.me/c/{chat[len(SUPERGROUP_PREFIX):]}/{message}"
