# Группа агентов в Telegram: привязка, карточки заявок, пересланные сообщения, ответы на команды.
agent-connect-usage = Отправьте /connect КОД с кодом из `helpdesk agent-chat code --project ID`.
agent-connect-ok = ✅ Эта группа теперь чат агентов проекта «{ $project }». Новые заявки появятся здесь.
agent-connect-ok-forum = ✅ Эта группа теперь чат агентов проекта «{ $project }». У каждой новой заявки будет своя тема.
agent-connect-unknown = ❌ Код неизвестен или уже использован. Создайте новый: `helpdesk agent-chat code`.
agent-connect-expired = ⌛ Срок кода истёк (код действует 15 минут). Создайте новый.
agent-connect-not-admin = ⚠️ Сначала сделайте меня администратором группы, затем снова отправьте /connect.
agent-connect-no-topics = ⚠️ В этой группе с темами мне нужно право «Управление темами». Выдайте его и снова отправьте /connect.
agent-disconnect-ok = Эта группа больше не чат агентов проекта «{ $project }».
agent-disconnect-not-bound = Эта группа не привязана ни к одному проекту.
agent-disconnect-not-admin = Отключить поддержку может только администратор группы.
agent-not-a-ticket = Пишите в теме заявки или ответом на карточку либо сообщение заявки.
agent-not-allowed = Действовать с заявками могут только участники этой группы.

agent-topic-name = #{ $number } · { $subject } · { $customer }
agent-topic-closed-prefix = ✅
agent-no-subject = без темы
agent-customer-unknown = посетитель

agent-card =
    🎫 Заявка #{ $number }: { $subject }
    Статус: { $status }
    Приоритет: { $priority }
    Тип: { $type }
    Исполнитель: { $assignee }
    Клиент: { $customer }
    Канал: { $channel }
agent-card-nobody = —
agent-card-no-type = —

agent-status-new = 🆕 новая
agent-status-open = 🔄 открыта
agent-status-in_progress = 🛠 в работе
agent-status-waiting = ⏳ ждём клиента
agent-status-closed = ✅ закрыта
agent-priority-low = низкий
agent-priority-normal = обычный
agent-priority-high = ⚠️ высокий
agent-priority-urgent = 🔥 срочный

agent-button-take = 🙋 Взять
agent-button-priority = Приоритет ▸
agent-button-status = Статус ▸
agent-button-close = ✅ Закрыть
agent-button-reopen = 🔄 Открыть снова
agent-button-back = ◂ Назад

agent-relay-customer = 👤 { $customer }:
    { $text }
agent-relay-customer-media = 👤 { $customer } отправил(а) { $kind }{ $name }
agent-relay-max-attachment = 📎 { $customer } отправил(а) { $kind }{ $name } в MAX (откройте его через API или MAX).
agent-relay-api-reply = 💬 { $agent } (отправлено через API):
    { $text }
agent-relay-api-note = 📝 Внутренняя заметка { $agent } (через API):
    { $text }
agent-relay-customer-edited = ✏️ { $customer } изменил(а) сообщение:
    { $text }
agent-relay-history = 🗂 Тема создана заново. Последние сообщения:
agent-history-line = { $author }: { $text }
agent-history-agent = агент
agent-relay-blocked = ⛔ Клиент заблокировал бота; сообщения не доставляются.
agent-api = API

agent-note-saved = 📝 Внутренняя заметка сохранена.
agent-assigned = 🙋 Назначено: { $agent }.
agent-priority-set = Приоритет: { $priority }.
agent-status-set = Статус: { $status }.
agent-usage-assign = Использование: /assign @username или /assign me
agent-usage-priority = Использование: /priority low|normal|high|urgent
agent-usage-status = Использование: /status open|in_progress|waiting|closed
agent-usage-note = Использование: /note ТЕКСТ (или начните сообщение с !)
agent-error-closed = Заявка закрыта: отправьте /reopen, чтобы написать клиенту.
agent-error-not-found = Не найдено: { $detail }
agent-error-invalid = Не принято: { $detail }
agent-error-edit-too-late = Правки передаются клиенту только в течение 48 часов.
