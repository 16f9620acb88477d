# Messages the customer receives outside a dialog (sent by the delivery worker).
notify-ticket-created = 🎫 Ticket #{ $number } created. We will answer here.
notify-agent-reply = 💬 Reply to ticket #{ $number }:
notify-ticket-closed = ✅ Ticket #{ $number } is closed. Write here to reopen it.
notify-ticket-reopened = 🔄 Ticket #{ $number } is open again.
button-open-ticket = Open ticket #{ $number }
system-customer-blocked = The customer has blocked the bot; messages cannot be delivered.
