# Service levels: texts customers and agents read (services.sla, services.sla_timers).
sla-out-of-hours = 🌙 We are away right now and will be back on { $back_at }. Your message is saved: we will answer here.
sla-auto-closed = 👋 Ticket #{ $number } was closed because we have not heard from you. Write here within { $days } days to reopen it; after that, a message starts a new ticket.
sla-target-first_response = first response
sla-target-next_response = next response
sla-target-resolution = resolution
sla-warning = ⏰ #{ $number }: { $target } is due at { $due_at }.
sla-breached = 🟥 #{ $number }: { $target } is overdue (was due at { $due_at }).
sla-card-due = ⏰ Due: { $due_at } ({ $target })
sla-mark-agent = 🟨
sla-mark-customer = 🟩
sla-mark-breached = 🟥
sla-mark-closed = ✅
