# Веб-консоль (/console) и ссылки для входа.
console-title = Консоль поддержки
console-sign-out = Выйти
console-role-owner = владелец
console-role-admin = администратор
console-role-agent = агент
console-role-viewer = наблюдатель

console-error-signed-out-title = Войдите в консоль
console-error-signed-out = Вы не вошли. Отправьте /console в группе агентов — бот пришлёт ссылку для входа в личный чат, или попросите ссылку у администратора (helpdesk console link).
console-error-forbidden-title = Нет доступа
console-error-forbidden = Ваша роль не позволяет это сделать, или форма устарела. Обновите страницу и попробуйте снова.
console-error-not-found-title = Не найдено
console-error-not-found = В вашем проекте нет такой страницы или заявки.
console-error-link-gone-title = Ссылка недействительна
console-error-link-gone = Эта ссылка для входа уже использована или истекла (ссылка работает один раз в течение 15 минут). Отправьте /console в группе агентов, чтобы получить новую.
console-error-rate-limited-title = Слишком много попыток
console-error-rate-limited = Слишком много попыток входа с вашего адреса. Подождите несколько минут и попробуйте снова.
console-error-failed-title = Что-то пошло не так
console-error-failed = Не удалось выполнить запрос.

console-inbox-title = Входящие
console-inbox-empty = Нет заявок по этим фильтрам.
console-all = Все
console-any = любой
console-filter-status = Статус
console-filter-assignee = Исполнитель
console-filter-channel = Канал
console-filter-priority = Приоритет
console-filter-type = Тип
console-filter-apply = Показать
console-assignee-anyone = любой
console-assignee-me = я
console-assignee-unassigned = не назначен
console-page-next = Старые заявки →
console-page-first = ← Новые

console-col-subject = Тема
console-col-customer = Клиент
console-col-channel = Канал
console-col-status = Статус
console-col-priority = Приоритет
console-col-assignee = Исполнитель
console-col-last = Последнее сообщение

console-status-new = новая
console-status-open = открыта
console-status-in_progress = в работе
console-status-waiting = ждёт клиента
console-status-closed = закрыта
console-priority-low = низкий
console-priority-normal = обычный
console-priority-high = высокий
console-priority-urgent = срочный
console-channel-telegram = Telegram
console-channel-max = MAX
console-channel-virtual = сайт
console-sla-ok = SLA в норме
console-sla-warning = SLA скоро истекает
console-sla-breached = SLA нарушен
console-rating = Оценка: { $score } / 5

console-no-subject = (без темы)
console-customer-unknown = посетитель
console-customer = Клиент
console-created = Создана
console-other-tickets = Другие заявки клиента
console-author-customer = Клиент
console-author-agent = Агент
console-author-system = Система
console-author-note = Внутренняя заметка
console-photo = фото
console-file = файл
console-reply-label = Ваш ответ
console-reply-send = Отправить клиенту
console-reply-note = Сохранить как заметку
console-read-only = Вы можете читать эту заявку; ваша роль не позволяет отвечать или менять её.
console-save = Сохранить

console-link-sent = Я отправил вам ссылку для входа в веб-консоль в личный чат.
console-link-dm = Ваша ссылка для входа в веб-консоль «{ $project }» (действует 15 минут, один раз): { $url }
console-link-start-bot = Я пока не могу написать вам в личный чат. Откройте чат со мной, нажмите «Start» и снова отправьте /console здесь.

# в чате агентов: ответ или заметка из веб-консоли
agent-relay-console-reply = 💬 { $agent } (отправлено из веб-консоли):
    { $text }
agent-relay-console-note = 📝 Внутренняя заметка { $agent } (веб-консоль):
    { $text }
