# Агенты в групповом чате MAX: привязка, подсказка, сообщения под карточкой заявки.
max-agent-connect-usage = Отправьте /connect КОД с кодом из `helpdesk agent-chat code --project ID`.
max-agent-connect-ok = ✅ Этот чат теперь чат агентов проекта «{ $project }». Для каждой новой заявки здесь появится карточка; чтобы ответить клиенту, ответьте на карточку или на сообщение заявки.
max-agent-connect-not-admin = ⚠️ Сначала сделайте меня администратором этого чата, затем снова отправьте /connect.
max-agent-connect-cannot-read = ⚠️ Я не могу читать сообщения этого чата: дайте мне право «Читать все сообщения» и снова отправьте /connect.
agent-chat-replaced = Он заменяет прежний чат агентов проекта в { $previous }; там об этом сообщено.
agent-chat-moved = ↪️ Этот чат больше не чат агентов проекта «{ $project }»: агенты теперь работают в чате { $to ->
        [max] MAX
       *[other] Telegram
    }.
max-agent-hint = ↩️ Чтобы ответить по заявке, ответьте на её карточку или на одно из её сообщений. Начните ответ с ! или /note для внутренней заметки.
max-agent-relay-customer = 👤 #{ $number } · { $customer }:
    { $text }
max-agent-relay-api-reply = 💬 #{ $number } · { $agent } (через API):
    { $text }
max-agent-relay-api-note = 📝 #{ $number } · внутренняя заметка { $agent } (через API):
    { $text }
max-agent-relay-customer-edited = ✏️ #{ $number } · { $customer } изменил(а) сообщение:
    { $text }
max-agent-relay-blocked = ⛔ #{ $number } · { $customer } заблокировал(а) бота; сообщения не доставляются.
max-agent-relay-history = 🗂 #{ $number }: карточку удалили, она опубликована снова. Последние сообщения:
max-agent-file-unavailable = 📎 { $kind }{ $name } ({ $size }) не удалось перенести сюда; файл доступен через API.
