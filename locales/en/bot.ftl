# Customer bot (dialogs). Keys: <screen>-<part>, button-<action>, error-<domain error code>.

## consent
consent-text =
    👋 { $project }

    { $description }

    Subscribe to get help from { $project } in this chat. Our answers will arrive here.
consent-cancelled = OK, nothing was shared. Come back any time with /start.
button-subscribe = ✅ Subscribe
button-cancel = Cancel

## notices
notice-helpdesk-disabled = The helpdesk of { $project } is not available right now. Please try again later.
notice-no-project = This bot has no helpdesk for you yet. Open the support link from the website.
notice-link-expired = This link has expired. Open the support link from the website again.
notice-link-used = This link was already used.
notice-link-unknown = This support link is not valid.
notice-ticket-missing = That ticket is not available in this chat.
notice-unsubscribed = You unsubscribed from { $project }. Send /start to come back.

## project picker
projects-title = Choose a helpdesk:

## menu
menu-notice = ℹ️ { $notice }
menu-title =
    🛟 { $project } — helpdesk
    { $count ->
        [0] You have no open tickets.
        [one] You have { $count } open ticket.
       *[other] You have { $count } open tickets.
    }
menu-disabled = The helpdesk is switched off right now.
menu-no-create = New tickets cannot be opened here right now.
button-new-ticket = 📝 New ticket
button-my-tickets = 📂 My tickets ({ $count })
button-unsubscribe = 🔕 Unsubscribe
unsubscribe-confirm = Unsubscribe from { $project }? You will stop getting messages about your tickets.
button-unsubscribe-yes = Yes, unsubscribe
button-unsubscribe-no = { button-back }
button-back = ⬅️ Back

## type picker
types-title = What is your question about?

## new ticket
new-ticket-prompt = Describe the problem: send text, photos, files, voice or video — in one or several messages. Then press “Send”.
new-ticket-collected =
    Received { $messages ->
        [one] { $messages } message
       *[other] { $messages } messages
    }{ $files ->
        [0] {""}
        [one] { " " }with { $files } file
       *[other] { " " }with { $files } files
    }.
button-send = 📨 Send

## errors
error-line = ⚠️ { $error }
error-unsupported-content = This kind of message cannot be added to a ticket. Send text, a photo, a file, voice or video.
error-too-many-parts = That is a lot of messages for one ticket. Press “Send” first.
error-internal_error = Something went wrong. Please try again.
error-validation_failed = The message is empty or too long (at most 4000 characters).
error-invalid_api_key = Something went wrong. Please try again.
error-helpdesk_disabled = New tickets cannot be opened here right now.
error-not_found = This ticket is not available any more.
error-wrong_channel = This ticket cannot be answered from here.
error-ticket_closed = This ticket is closed.
error-idempotency_conflict = Something went wrong. Please try again.
error-conflict = That was already done.
error-payload_too_large = The message is too large.
error-rate_limited = Too many messages. Please wait a moment.
error-database_unavailable = The helpdesk is briefly unavailable. Please try again in a minute.
error-forbidden = You are not allowed to do this.
error-link_gone = This link was already used or has expired.

## ticket thread
thread-header =
    🎫 Ticket #{ $number } · { $status }
    Type: { $ticket_type }
    { $subject }
thread-no-type = —
thread-line-customer = 👤 You, { DATETIME($time, dateStyle: "short", timeStyle: "short") }:
    { $text }
thread-line-agent = 💬 Support, { DATETIME($time, dateStyle: "short", timeStyle: "short") }:
    { $text }
thread-line-system = ℹ️ { $text }
thread-files = 📎 { $files }
thread-earlier = { $count ->
        [one] … { $count } earlier message
       *[other] … { $count } earlier messages
    }
thread-closed-hint = This ticket is closed. Write here to reopen it.
thread-write-hint = Write here to add to the ticket: 👌 on your message means we have it.
button-close-ticket = ✅ Close ticket
close-confirm = Close ticket #{ $number }? You can reopen it by writing in its thread.
button-close-yes = Yes, close it
button-close-no = No, keep it open

status-new = 🆕 new
status-open = 🔄 open
status-in_progress = ⏳ in progress
status-waiting = 💬 answered
status-closed = ✅ closed

attachment-photo = photo
attachment-document = file
attachment-video = video
attachment-voice = voice message
attachment-audio = audio
attachment-animation = GIF
attachment-video_note = video message
attachment-file = file

## my tickets
my-tickets-title = 📂 Your tickets{ $pages ->
        [1] {""}
       *[other] { " " }(page { $page } of { $pages })
    }
my-tickets-empty = You have no tickets yet.
ticket-row = #{ $number } · { $status } · { $subject }
button-prev = ◀️ Newer
button-next = Older ▶️
