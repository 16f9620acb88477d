# Бот для клиентов (диалоги). Ключи: <экран>-<часть>, button-<действие>, error-<код ошибки>.

## consent
consent-text =
    👋 { $project }

    { $description }

    Подпишитесь, чтобы получать помощь от «{ $project }» в этом чате. Ответы придут сюда.
consent-cancelled = Хорошо, мы ничего не сохранили. Возвращайтесь в любое время: /start.
button-subscribe = ✅ Подписаться
button-cancel = Отмена

## notices
notice-helpdesk-disabled = Поддержка «{ $project }» сейчас недоступна. Попробуйте позже.
notice-no-project = Для вас здесь пока нет службы поддержки. Откройте ссылку поддержки на сайте.
notice-link-expired = Срок действия ссылки истёк. Откройте ссылку поддержки на сайте ещё раз.
notice-link-used = Эта ссылка уже использована.
notice-link-unknown = Ссылка поддержки недействительна.
notice-ticket-missing = Это обращение недоступно в этом чате.
notice-unsubscribed = Вы отписались от «{ $project }». Отправьте /start, чтобы вернуться.

## project picker
projects-title = Выберите службу поддержки:

## menu
menu-notice = ℹ️ { $notice }
menu-title =
    🛟 { $project } — поддержка
    { $count ->
        [0] У вас нет открытых обращений.
        [one] У вас { $count } открытое обращение.
        [few] У вас { $count } открытых обращения.
       *[other] У вас { $count } открытых обращений.
    }
menu-disabled = Служба поддержки сейчас отключена.
menu-no-create = Новые обращения сейчас создать нельзя.
button-new-ticket = 📝 Новое обращение
button-my-tickets = 📂 Мои обращения ({ $count })
button-unsubscribe = 🔕 Отписаться
unsubscribe-confirm = Отписаться от «{ $project }»? Сообщения о ваших обращениях перестанут приходить.
button-unsubscribe-yes = Да, отписаться
button-unsubscribe-no = { button-back }
button-back = ⬅️ Назад

## type picker
types-title = С чем связан ваш вопрос?

## new ticket
new-ticket-prompt = Опишите проблему: отправьте текст, фото, файлы, голосовое или видео — одним или несколькими сообщениями. Затем нажмите «Отправить».
new-ticket-collected =
    Получено { $messages ->
        [one] { $messages } сообщение
        [few] { $messages } сообщения
       *[other] { $messages } сообщений
    }{ $files ->
        [0] {""}
        [one] { ", " }{ $files } файл
        [few] { ", " }{ $files } файла
       *[other] { ", " }{ $files } файлов
    }.
button-send = 📨 Отправить

## errors
error-line = ⚠️ { $error }
error-unsupported-content = Такое сообщение нельзя добавить в обращение. Отправьте текст, фото, файл, голосовое или видео.
error-too-many-parts = Слишком много сообщений для одного обращения. Сначала нажмите «Отправить».
error-internal_error = Что-то пошло не так. Попробуйте ещё раз.
error-validation_failed = Сообщение пустое или слишком длинное (не больше 4000 символов).
error-invalid_api_key = Что-то пошло не так. Попробуйте ещё раз.
error-helpdesk_disabled = Новые обращения сейчас создать нельзя.
error-not_found = Это обращение больше недоступно.
error-wrong_channel = На это обращение нельзя ответить отсюда.
error-ticket_closed = Это обращение закрыто.
error-idempotency_conflict = Что-то пошло не так. Попробуйте ещё раз.
error-conflict = Это уже сделано.
error-payload_too_large = Сообщение слишком большое.
error-rate_limited = Слишком много сообщений. Подождите немного.
error-database_unavailable = Поддержка ненадолго недоступна. Попробуйте ещё раз через минуту.
error-forbidden = У вас нет прав на это действие.
error-link_gone = Эта ссылка уже использована или истекла.

## ticket thread
thread-header =
    🎫 Обращение №{ $number } · { $status }
    Тип: { $ticket_type }
    { $subject }
thread-no-type = —
thread-line-customer = 👤 Вы, { DATETIME($time, dateStyle: "short", timeStyle: "short") }:
    { $text }
thread-line-agent = 💬 Поддержка, { DATETIME($time, dateStyle: "short", timeStyle: "short") }:
    { $text }
thread-line-system = ℹ️ { $text }
thread-files = 📎 { $files }
thread-earlier = { $count ->
        [one] … ещё { $count } сообщение выше
        [few] … ещё { $count } сообщения выше
       *[other] … ещё { $count } сообщений выше
    }
thread-closed-hint = Обращение закрыто. Напишите сюда, чтобы открыть его снова.
thread-write-hint = Напишите сюда, чтобы дополнить обращение: 👌 на вашем сообщении — мы его получили.
button-close-ticket = ✅ Закрыть обращение
close-confirm = Закрыть обращение №{ $number }? Его можно открыть снова, написав в нём.
button-close-yes = Да, закрыть
button-close-no = Нет, оставить

status-new = 🆕 новое
status-open = 🔄 открыто
status-in_progress = ⏳ в работе
status-waiting = 💬 есть ответ
status-closed = ✅ закрыто

attachment-photo = фото
attachment-document = файл
attachment-video = видео
attachment-voice = голосовое сообщение
attachment-audio = аудио
attachment-animation = GIF
attachment-video_note = видеосообщение
attachment-file = файл

## my tickets
my-tickets-title = 📂 Ваши обращения{ $pages ->
        [1] {""}
       *[other] { " " }(страница { $page } из { $pages })
    }
my-tickets-empty = У вас пока нет обращений.
ticket-row = №{ $number } · { $status } · { $subject }
button-prev = ◀️ Новее
button-next = Старее ▶️
