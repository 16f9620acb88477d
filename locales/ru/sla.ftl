# Уровни обслуживания: тексты для клиентов и агентов (services.sla, services.sla_timers).
sla-out-of-hours = 🌙 Сейчас мы не работаем и вернёмся { $back_at }. Ваше сообщение сохранено: мы ответим здесь.
sla-auto-closed = 👋 Обращение #{ $number } закрыто, так как мы не получили от вас ответа. Напишите сюда в течение { $days } дн., чтобы открыть его снова; позже сообщение создаст новое обращение.
sla-target-first_response = первый ответ
sla-target-next_response = следующий ответ
sla-target-resolution = решение
sla-warning = ⏰ #{ $number }: { $target } — срок { $due_at }.
sla-breached = 🟥 #{ $number }: { $target } — срок истёк ({ $due_at }).
sla-card-due = ⏰ Срок: { $due_at } ({ $target })
sla-mark-agent = 🟨
sla-mark-customer = 🟩
sla-mark-breached = 🟥
sla-mark-closed = ✅
