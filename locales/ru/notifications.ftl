notify-ticket-created = 🎫 Обращение №{ $number } создано. Мы ответим здесь.
notify-agent-reply = 💬 Ответ по обращению №{ $number }:
notify-ticket-closed = ✅ Обращение №{ $number } закрыто. Напишите сюда, чтобы открыть его снова.
notify-ticket-reopened = 🔄 Обращение №{ $number } снова открыто.
button-open-ticket = Открыть обращение №{ $number }
system-customer-blocked = Клиент заблокировал бота; сообщения не доставляются.
