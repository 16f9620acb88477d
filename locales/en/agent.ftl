# The Telegram agent group: binding, ticket cards, relayed messages, command answers.
agent-connect-usage = Send /connect CODE with the code from `helpdesk agent-chat code --project ID`.
agent-connect-ok = ✅ This group is now the agent chat of “{ $project }”. New tickets will appear here.
agent-connect-ok-forum = ✅ This group is now the agent chat of “{ $project }”. Each new ticket gets its own topic.
agent-connect-unknown = ❌ This code is unknown or was already used. Create a new one with `helpdesk agent-chat code`.
agent-connect-expired = ⌛ This code has expired (codes are valid for 15 minutes). Create a new one.
agent-connect-not-admin = ⚠️ Make me an administrator of this group first, then send /connect again.
agent-connect-no-topics = ⚠️ I need the “Manage topics” admin right in this forum group. Grant it and send /connect again.
agent-disconnect-ok = This group is no longer the agent chat of “{ $project }”.
agent-disconnect-not-bound = This group is not bound to any project.
agent-disconnect-not-admin = Only a group administrator can disconnect the helpdesk.
agent-not-a-ticket = Write inside a ticket topic, or reply to a ticket card or message.
agent-not-allowed = Only members of this group can act on tickets.

agent-topic-name = #{ $number } · { $subject } · { $customer }
agent-topic-closed-prefix = ✅
agent-no-subject = no subject
agent-customer-unknown = visitor

agent-card =
    🎫 Ticket #{ $number }: { $subject }
    Status: { $status }
    Priority: { $priority }
    Type: { $type }
    Assignee: { $assignee }
    Customer: { $customer }
    Channel: { $channel }
agent-card-nobody = —
agent-card-no-type = —

agent-status-new = 🆕 new
agent-status-open = 🔄 open
agent-status-in_progress = 🛠 in progress
agent-status-waiting = ⏳ waiting for the customer
agent-status-closed = ✅ closed
agent-priority-low = low
agent-priority-normal = normal
agent-priority-high = ⚠️ high
agent-priority-urgent = 🔥 urgent

agent-button-take = 🙋 Take
agent-button-priority = Priority ▸
agent-button-status = Status ▸
agent-button-close = ✅ Close
agent-button-reopen = 🔄 Reopen
agent-button-back = ◂ Back

agent-relay-customer = 👤 { $customer }:
    { $text }
agent-relay-customer-media = 👤 { $customer } sent { $kind }{ $name }
agent-relay-max-attachment = 📎 { $customer } sent { $kind }{ $name } in MAX (open it in the API or MAX).
agent-relay-api-reply = 💬 { $agent } (sent via API):
    { $text }
agent-relay-api-note = 📝 Internal note by { $agent } (via API):
    { $text }
agent-relay-customer-edited = ✏️ { $customer } edited the message:
    { $text }
agent-relay-history = 🗂 The topic was recreated. Latest messages:
agent-history-line = { $author }: { $text }
agent-history-agent = agent
agent-relay-blocked = ⛔ The customer has blocked the bot; messages cannot be delivered.
agent-api = API

agent-note-saved = 📝 Internal note saved.
agent-assigned = 🙋 Assigned to { $agent }.
agent-priority-set = Priority: { $priority }.
agent-status-set = Status: { $status }.
agent-usage-assign = Usage: /assign @username or /assign me
agent-usage-priority = Usage: /priority low|normal|high|urgent
agent-usage-status = Usage: /status open|in_progress|waiting|closed
agent-usage-note = Usage: /note TEXT (or start a message with !)
agent-error-closed = The ticket is closed: /reopen it to write to the customer.
agent-error-not-found = Not found: { $detail }
agent-error-invalid = Not accepted: { $detail }
agent-error-edit-too-late = Edits are passed on to the customer only within 48 hours.
