# Agents in a MAX group chat: binding, the hint, posts under a ticket's card.
max-agent-connect-usage = Send /connect CODE with the code from `helpdesk agent-chat code --project ID`.
max-agent-connect-ok = ✅ This chat is now the agent chat of “{ $project }”. Each new ticket gets a card here; reply to a card or a ticket's message to answer the customer.
max-agent-connect-not-admin = ⚠️ Make me an administrator of this chat first, then send /connect again.
max-agent-connect-cannot-read = ⚠️ I cannot read this chat's messages: give me the “Read all messages” right, then send /connect again.
agent-chat-replaced = It replaces the project's { $previous } agent chat, which has been told.
agent-chat-moved = ↪️ This chat is no longer the agent chat of “{ $project }”: agents now work in a { $to ->
        [max] MAX
       *[other] Telegram
    } chat.
max-agent-hint = ↩️ To answer a ticket, reply to its card or to one of its messages. Start the reply with ! or /note for an internal note.
max-agent-relay-customer = 👤 #{ $number } · { $customer }:
    { $text }
max-agent-relay-api-reply = 💬 #{ $number } · { $agent } (sent via API):
    { $text }
max-agent-relay-api-note = 📝 #{ $number } · internal note by { $agent } (via API):
    { $text }
max-agent-relay-customer-edited = ✏️ #{ $number } · { $customer } edited the message:
    { $text }
max-agent-relay-blocked = ⛔ #{ $number } · { $customer } has blocked the bot; messages cannot be delivered.
max-agent-relay-history = 🗂 #{ $number }: the card was deleted and is posted again. Latest messages:
max-agent-file-unavailable = 📎 { $kind }{ $name } ({ $size }) could not be brought here; read it through the API.
