"""The fakes work with the real clients: aiogram against FakeTelegram, maxapi against FakeMax."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from maxapi import Bot as MaxBot
from maxapi import Dispatcher as MaxDispatcher
from maxapi.exceptions.max import MaxApiError
from maxapi.types import BotStarted, MessageCallback, MessageCreated
from maxapi.types.attachments import (
    Attachment,
    AttachmentUpload,
    ButtonsPayload,
    CallbackButton,
    InputMedia,
    PhotoAttachmentPayload,
)
from maxapi.types.attachments.image import Image
from maxapi.types.input_media import InputMediaBuffer
from maxapi.types.updates import UpdateUnionAdapter

from tests.fakes import (
    FakeMax,
    FakeTelegram,
    UploadedFile,
    feed_max_update,
    max_update,
    tg_update,
)

GROUP = -1001234567890
USER = 4242


class ManualClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> Bot:
    return tg.make_bot()


@pytest.fixture
async def mx() -> AsyncIterator[FakeMax]:
    async with FakeMax() as server:
        yield server


@pytest.fixture
async def max_bot(mx: FakeMax) -> MaxBot:
    return mx.make_bot()


# ---------------------------------------------------------------------- Telegram


async def test_get_me_and_send_message(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "helpdesk_test_bot"
    assert me.id == bot.id == tg.bot_id

    first = await bot.send_message(USER, "hello")
    second = await bot.send_message(USER, "again")
    other = await bot.send_message(USER + 1, "elsewhere")

    assert isinstance(first, Message)
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.id == USER and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.id == tg.bot_id
    assert tg.sent_texts(USER) == ["hello", "again"]
    assert tg.sent_texts() == ["hello", "again", "elsewhere"]
    call = tg.calls_to("sendMessage")[0]
    assert call.chat_id == USER and call.params["text"] == "hello" and call.ok


async def test_nested_objects_are_decoded(tg: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take:1")]]
    )
    sent = await bot.send_message(USER, "<b>card</b>", reply_markup=markup, parse_mode="HTML")

    params = tg.calls_to("sendMessage")[0].params
    assert params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Take", "callback_data": "take:1"}]]
    }
    assert params["parse_mode"] == "HTML"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "take:1"


async def test_photo_upload_and_download(tg: FakeTelegram, bot: Bot) -> None:
    content = b"\x89PNG fake image bytes"
    sent = await bot.send_photo(
        USER, BufferedInputFile(content, filename="shot.png"), caption="look"
    )

    upload = tg.calls_to("sendPhoto")[0].params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.content == content and upload.filename == "shot.png"
    assert sent.caption == "look" and sent.photo is not None
    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_size == len(content)
    downloaded = await bot.download(file)
    assert downloaded is not None and downloaded.read() == content
    assert tg.sent_texts(USER) == ["look"]


async def test_other_media_and_media_group(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_file("known-doc", b"%PDF", file_name="a.pdf", mime_type="application/pdf")
    doc = await bot.send_document(USER, "known-doc")
    voice = await bot.send_voice(USER, BufferedInputFile(b"ogg", "v.ogg"))
    video = await bot.send_video(USER, BufferedInputFile(b"mp4", "v.mp4"))
    audio = await bot.send_audio(USER, BufferedInputFile(b"mp3", "a.mp3"))
    album = await bot.send_media_group(
        USER,
        media=[
            InputMediaPhoto(media=BufferedInputFile(b"1", "1.jpg"), caption="one"),
            InputMediaPhoto(media=BufferedInputFile(b"2", "2.jpg")),
        ],
    )

    assert doc.document is not None and doc.document.file_name == "a.pdf"
    assert voice.voice is not None and video.video is not None and audio.audio is not None
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    media = tg.calls_to("sendMediaGroup")[0].params["media"]
    assert [m["media"].content for m in media] == [b"1", b"2"]
    assert [m.message_id for m in album] == [5, 6]
    assert len(tg.messages_in(USER)) == 6


async def test_forum_topics(tg: FakeTelegram, bot: Bot) -> None:
    member = await bot.get_chat_member(GROUP, bot.id)
    assert isinstance(member, ChatMemberAdministrator) and member.can_manage_topics

    topic = await bot.create_forum_topic(GROUP, "#1 · Printer · Ann")
    assert topic.name == "#1 · Printer · Ann" and topic.icon_color
    sent = await bot.send_message(GROUP, "in topic", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    assert [m["text"] for m in tg.messages_in(GROUP, topic.message_thread_id)] == ["in topic"]

    await bot.edit_forum_topic(GROUP, topic.message_thread_id, name="#1 · Printer · done")
    state = tg.topic(GROUP, topic.message_thread_id)
    assert state is not None and state.name == "#1 · Printer · done"

    await bot.close_forum_topic(GROUP, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(GROUP, "closed", message_thread_id=topic.message_thread_id)
    await bot.reopen_forum_topic(GROUP, topic.message_thread_id)
    await bot.send_message(GROUP, "open again", message_thread_id=topic.message_thread_id)

    tg.delete_topic(GROUP, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(GROUP, "gone", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.copy_message(GROUP, USER, 1, message_thread_id=999)


async def test_topics_need_a_forum_and_rights(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_chat(-100111, is_forum=False)
    with pytest.raises(TelegramBadRequest, match="not a forum"):
        await bot.create_forum_topic(-100111, "x")

    tg.set_bot_rights(-100222, is_admin=True, can_manage_topics=False)
    member = await bot.get_chat_member(-100222, bot.id)
    assert isinstance(member, ChatMemberAdministrator) and not member.can_manage_topics
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.create_forum_topic(-100222, "x")

    tg.set_member(-100222, 7, "creator")
    admins = await bot.get_chat_administrators(-100222)
    assert {a.user.id for a in admins} == {7, bot.id}
    chat = await bot.get_chat(-100222)
    assert chat.is_forum and chat.type == "supergroup"


async def test_copy_message_carries_the_customer_content(tg: FakeTelegram, bot: Bot) -> None:
    topic = tg.add_topic(GROUP, "#7")
    incoming = tg.updates.message(USER, USER, "my printer is on fire")
    message_id = incoming["message"]["message_id"]

    copied = await bot.copy_message(GROUP, USER, message_id, message_thread_id=topic.thread_id)

    assert copied.message_id > topic.thread_id
    [in_topic] = tg.messages_in(GROUP, topic.thread_id)
    assert in_topic["text"] == "my printer is on fire"
    assert in_topic["message_id"] == copied.message_id
    assert tg.sent_texts(GROUP) == ["my printer is on fire"]


async def test_edit_and_delete(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "v1")
    edited = await bot.edit_message_text(text="v2", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "v2"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="v2", chat_id=USER, message_id=sent.message_id)
    assert [m["text"] for m in tg.messages_in(USER)] == ["v2"]

    assert await bot.delete_message(USER, sent.message_id)
    assert tg.messages_in(USER) == []
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="v3", chat_id=USER, message_id=sent.message_id)


async def test_reactions_are_checked_like_telegram(tg: FakeTelegram, bot: Bot) -> None:
    from aiogram.types import ReactionTypeCustomEmoji, ReactionTypeEmoji, ReactionTypePaid

    sent = await bot.send_message(USER, "hi")
    ok: list[ReactionTypeEmoji | ReactionTypeCustomEmoji | ReactionTypePaid]
    ok = [ReactionTypeEmoji(emoji="👌")]
    assert await bot.set_message_reaction(USER, sent.message_id, ok)
    with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
        await bot.set_message_reaction(USER, sent.message_id, [ReactionTypeEmoji(emoji="✅")])
    with pytest.raises(TelegramBadRequest, match="REACTIONS_TOO_MANY"):
        await bot.set_message_reaction(USER, sent.message_id, ok * 2)
    assert [c.ok for c in tg.calls_to("setMessageReaction")] == [True, False, False]


async def test_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "x")
    assert caught.value.retry_after == 7
    await bot.send_message(USER, "x")  # the fault was used up
    assert [c.ok for c in tg.calls_to("sendMessage")] == [False, True]
    assert tg.too_many_requests == 0  # injected faults are not limit violations


async def test_blocked_and_forbidden(tg: FakeTelegram, bot: Bot) -> None:
    tg.block_chat(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    with pytest.raises(TelegramForbiddenError):
        await bot.copy_message(USER, GROUP, 1)
    await bot.send_message(USER + 1, "others are fine")

    tg.fail_next("sendMessage", 403, chat_id=USER + 2)
    await bot.send_message(USER + 1, "not this chat")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(USER + 2, "x")


async def test_bad_requests_and_server_errors(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "a" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "a" * 4097)
    # HTML tags do not count towards the limit
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(USER, "some-file-id", caption="c" * 1025)
    tg.fail_next("sendMessage", 500)
    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "x")


async def test_unknown_method_answers_404(tg: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{tg.base_url}/bot123:abc/noSuchMethod", data={"a": "1"}) as resp,
    ):
        body = await resp.json()
    assert resp.status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert tg.calls[-1].method == "noSuchMethod" and not tg.calls[-1].ok


async def test_polling_dispatcher_gets_pushed_updates(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    tg.push_update(tg.updates.message(USER, USER, "/start hdreq_abc"))
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        call = await tg.wait_for(lambda c: c.method == "sendMessage")
    finally:
        await dp.stop_polling()
        await task
    assert call.params["text"] == "echo: /start hdreq_abc"
    assert tg.calls_to("getUpdates")


async def test_feed_raw_update_and_callbacks(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()
    seen: list[str] = []

    @dp.callback_query()
    async def on_click(query) -> None:  # type: ignore[no-untyped-def]
        seen.append(query.data)
        await query.answer("ok")
        await query.message.edit_text("clicked")

    card = await bot.send_message(GROUP, "card")
    await dp.feed_raw_update(
        bot, tg.updates.callback(GROUP, USER, "take:1", message_id=card.message_id)
    )

    assert seen == ["take:1"]
    assert tg.calls_to("answerCallbackQuery")[0].params["text"] == "ok"
    assert tg.messages_in(GROUP)[0]["text"] == "clicked"


async def test_rate_limits_enforced() -> None:
    clock = ManualClock()
    async with FakeTelegram(enforce_limits=True, clock=clock) as tg:
        bot = tg.make_bot()
        await bot.send_message(USER, "1")
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(USER, "2")
        assert caught.value.retry_after == 1
        clock.advance(1.0)
        await bot.send_message(USER, "2")

        for i in range(20):
            await bot.send_message(GROUP, f"g{i}")
            clock.advance(0.1)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(GROUP, "too many")
        assert 1 <= caught.value.retry_after <= 60

        clock.advance(60)
        for chat in range(1, 31):
            await bot.send_message(chat, "burst")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(31, "burst")
        assert tg.too_many_requests == 3


async def test_rate_limits_respected_means_no_429() -> None:
    clock = ManualClock()
    async with FakeTelegram(enforce_limits=True, clock=clock) as tg:
        bot = tg.make_bot()
        for i in range(5):
            await bot.send_message(USER, f"paced {i}")
            clock.advance(1.0)
        for i in range(25):
            await bot.send_message(GROUP, f"paced {i}")
            clock.advance(3.0)
        assert tg.too_many_requests == 0
        assert len(tg.sent_texts()) == 30


async def test_wait_for_times_out_with_a_report(tg: FakeTelegram) -> None:
    with pytest.raises(AssertionError, match="recorded calls"):
        await tg.wait_for("sendMessage", timeout=0.05)


def test_telegram_update_builders_parse() -> None:
    updates = [
        tg_update.message(USER, USER, "/start"),
        tg_update.message(GROUP, USER, "reply", message_thread_id=5, reply_to=9),
        tg_update.message(USER, USER, photo="photo-id", caption="pic"),
        tg_update.message(USER, USER, document="doc-id"),
        tg_update.edited_message(USER, USER, "fixed", message_id=3),
        tg_update.callback(USER, USER, "menu:new"),
        tg_update.my_chat_member(GROUP, USER, new_status="administrator"),
        tg_update.my_chat_member(USER, USER, old_status="member", new_status="kicked"),
    ]
    parsed = [Update.model_validate(u) for u in updates]
    assert len({u.update_id for u in parsed}) == len(parsed)
    start = parsed[0].message
    assert start is not None and start.entities and start.entities[0].type == "bot_command"
    in_topic = parsed[1].message
    assert in_topic is not None and in_topic.is_topic_message
    assert in_topic.reply_to_message is not None
    assert in_topic.reply_to_message.message_id == 9
    assert parsed[6].my_chat_member is not None
    assert parsed[6].my_chat_member.new_chat_member.status == "administrator"


async def test_topic_messages_reply_to_the_topic_creation(tg: FakeTelegram) -> None:
    topic = tg.add_topic(GROUP, "#3")
    update = Update.model_validate(
        tg.updates.message(GROUP, USER, "agent answer", message_thread_id=topic.thread_id)
    )
    message = update.message
    assert message is not None and message.is_topic_message
    assert message.reply_to_message is not None
    assert message.reply_to_message.forum_topic_created is not None


# ---------------------------------------------------------------------- MAX


async def test_max_send_message(mx: FakeMax, max_bot: MaxBot) -> None:
    me = await max_bot.get_me()
    assert me.user_id == mx.bot_id and me.username == "helpdesk_test_bot"

    sent = await max_bot.send_message(chat_id=USER, text="hello")
    await max_bot.send_message(user_id=777, text="by user id")

    assert sent is not None and sent.message.body is not None
    assert sent.message.body.text == "hello" and sent.message.recipient.chat_id == USER
    assert mx.sent_texts(USER) == ["hello"]
    assert mx.sent_texts(777) == ["by user id"]
    call = mx.calls_to("POST /messages")[0]
    assert call.params == {"chat_id": USER} and call.body["text"] == "hello"
    assert call.token == "max-test-token"


async def test_max_errors(mx: FakeMax, max_bot: MaxBot) -> None:
    mx.fail_next("POST /messages", 429)
    with pytest.raises(MaxApiError) as caught:
        await max_bot.send_message(chat_id=USER, text="x")
    assert caught.value.code == 429
    assert isinstance(caught.value.raw, dict) and caught.value.raw["code"] == "too.many.requests"

    mx.block_chat(USER)
    with pytest.raises(MaxApiError) as caught:
        await max_bot.send_message(chat_id=USER, text="x")
    assert caught.value.code == 403
    assert isinstance(caught.value.raw, dict) and caught.value.raw["code"] == "chat.denied"

    mx.fail_next("/messages", 400, "attachment.not.ready", "not ready", times=2)
    sent = await max_bot.send_message(chat_id=USER + 1, text="after retries")
    assert sent is not None  # maxapi itself retries attachment.not.ready
    assert [c.status for c in mx.calls_to("/messages")][-3:] == [400, 400, 200]


async def test_max_text_limit(mx: FakeMax) -> None:
    async with (
        aiohttp.ClientSession(headers={"Authorization": "t"}) as http,
        http.post(
            f"{mx.base_url}/messages", params={"chat_id": "1"}, json={"text": "a" * 4001}
        ) as resp,
    ):
        body = await resp.json()
    assert resp.status == 400 and body["code"] == "proto.payload"


async def test_max_edit_delete_and_callback_answer(mx: FakeMax, max_bot: MaxBot) -> None:
    sent = await max_bot.send_message(chat_id=USER, text="v1")
    assert sent is not None and sent.message.body is not None
    mid = sent.message.body.mid
    edited = await max_bot.edit_message(message_id=mid, text="v2")
    assert edited is not None and edited.success
    assert [m["body"]["text"] for m in mx.messages_in(USER)] == ["v2"]

    answered = await max_bot.send_callback(callback_id="cb.1", notification="Done")
    assert answered.success
    assert mx.calls_to("POST /answers")[0].params["callback_id"] == "cb.1"
    assert mx.calls_to("POST /answers")[0].body == {"notification": "Done"}

    assert (await max_bot.delete_message(message_id=mid)).success
    assert mx.messages_in(USER) == []


async def test_max_image_upload(mx: FakeMax, max_bot: MaxBot) -> None:
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    attachments: list[Attachment | InputMedia | InputMediaBuffer | AttachmentUpload] = [
        InputMediaBuffer(content, filename="shot")
    ]
    sent = await max_bot.send_message(chat_id=USER, text="pic", attachments=attachments)

    assert sent is not None and sent.message.body is not None
    [attachment] = sent.message.body.attachments or []
    assert isinstance(attachment, Image)
    [upload] = mx.uploads.values()
    assert upload.type == "image" and upload.content == content
    assert [c.key for c in mx.calls] == ["POST /uploads", "POST /messages"]
    assert isinstance(attachment.payload, PhotoAttachmentPayload)
    assert await max_bot.download_bytes(attachment.payload.url) == content


async def test_max_polling_dispatcher(mx: FakeMax, max_bot: MaxBot) -> None:
    dp = MaxDispatcher()

    @dp.message_created()
    async def echo(event: MessageCreated) -> None:
        assert event.message.body is not None
        await event.message.answer(text=f"echo: {event.message.body.text}")

    mx.push_update(mx.updates.message_created(USER, USER, "hi there"))
    task = asyncio.create_task(dp.start_polling(max_bot))
    try:
        call = await mx.wait_for(lambda c: c.key == "POST /messages")
    finally:
        await dp.stop_polling()
        await task
    assert call.body["text"] == "echo: hi there" and call.chat_id == USER
    assert mx.pending_updates == []


async def test_max_feed_bot_started_and_callback(mx: FakeMax, max_bot: MaxBot) -> None:
    dp = MaxDispatcher()
    payloads: list[str | None] = []

    @dp.bot_started()
    async def started(event: BotStarted) -> None:
        payloads.append(event.payload)

    @dp.message_callback()
    async def clicked(event: MessageCallback) -> None:
        payloads.append(event.callback.payload)
        await event.answer(notification="ok", new_text="chosen: new")

    await feed_max_update(dp, max_bot, max_update.bot_started(USER, USER, payload="hdreq_x"))
    keyboard = ButtonsPayload(buttons=[[CallbackButton(text="New", payload="new")]]).pack()
    menu = await max_bot.send_message(chat_id=USER, text="menu", attachments=[keyboard])
    assert menu is not None and menu.message.body is not None
    assert mx.messages_in(USER)[0]["body"]["attachments"][0]["type"] == "inline_keyboard"
    await feed_max_update(
        dp, max_bot, mx.updates.message_callback(USER, USER, "new", mid=menu.message.body.mid)
    )

    assert payloads == ["hdreq_x", "new"]
    answer = mx.calls_to("POST /answers")[0]
    assert answer.body["notification"] == "ok"
    # an answer carrying a message edits the pressed one (maxapi resends its attachments)
    [edited] = mx.messages_in(USER)
    assert edited["body"]["text"] == "chosen: new"
    assert edited["body"]["attachments"][0]["type"] == "inline_keyboard"


async def test_max_rate_limit() -> None:
    clock = ManualClock()
    async with FakeMax(enforce_limits=True, per_second=3, clock=clock) as mx:
        bot = mx.make_bot()
        for i in range(3):
            await bot.send_message(chat_id=USER, text=str(i))
        with pytest.raises(MaxApiError) as caught:
            await bot.send_message(chat_id=USER, text="over")
        assert caught.value.code == 429
        clock.advance(1.0)
        await bot.send_message(chat_id=USER, text="fine again")
        assert mx.too_many_requests == 1

        mx.reset_calls()
        clock.advance(1.0)
        for i in range(6):
            await bot.send_message(chat_id=USER, text=f"paced {i}")
            clock.advance(0.34)
        assert mx.too_many_requests == 0


def test_max_update_builders_parse() -> None:
    updates = [
        max_update.message_created(USER, USER, "hi", [max_update.image(), max_update.file()]),
        max_update.message_created(GROUP, USER, "in group"),
        max_update.message_callback(USER, USER, "menu:new"),
        max_update.bot_started(USER, USER, payload="hdreq_1"),
        max_update.bot_stopped(USER, USER),
        max_update.message_edited(USER, USER, "edited", mid="mid.1"),
        max_update.message_removed(USER, USER, "mid.1"),
        max_update.bot_added(GROUP, USER),
    ]
    parsed = [UpdateUnionAdapter.validate_python(u) for u in updates]
    assert isinstance(parsed[0], MessageCreated)
    assert parsed[0].message.recipient.chat_type == "dialog"
    assert parsed[1].message.recipient.chat_type == "chat"
    assert isinstance(parsed[2], MessageCallback) and parsed[2].callback.payload == "menu:new"
    assert isinstance(parsed[3], BotStarted) and parsed[3].payload == "hdreq_1"


async def test_pushed_update_ids_always_increase(tg: FakeTelegram) -> None:
    for _ in range(3):
        tg_update.message(USER, USER, "advance the module-level counter")
    first = tg.push_update(tg_update.message(USER, USER, "a"))
    second = tg.push_update(tg.updates.message(USER, USER, "b"))
    third = tg.push_update({"message": tg.updates.message_object(USER, USER, "c")})
    ids = [first["update_id"], second["update_id"], third["update_id"]]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [u["update_id"] for u in tg.pending_updates] == ids
