# The web console (/console) and its sign-in links.
console-title = Helpdesk console
console-sign-out = Sign out
console-role-owner = owner
console-role-admin = admin
console-role-agent = agent
console-role-viewer = viewer

console-error-signed-out-title = Please sign in
console-error-signed-out = You are not signed in. Send /console in your agent group to get a sign-in link in a private chat with the bot, or ask an administrator for one (helpdesk console link).
console-error-forbidden-title = Not allowed
console-error-forbidden = Your role cannot do this, or the form was outdated. Reload the page and try again.
console-error-not-found-title = Not found
console-error-not-found = There is no such page or ticket in your project.
console-error-link-gone-title = This link cannot be used
console-error-link-gone = This sign-in link was already used or has expired (links work once, for 15 minutes). Send /console in your agent group for a new one.
console-error-rate-limited-title = Too many attempts
console-error-rate-limited = Too many sign-in attempts from your address. Wait a few minutes and try again.
console-error-failed-title = Something went wrong
console-error-failed = The request could not be completed.

console-inbox-title = Inbox
console-inbox-empty = No tickets match these filters.
console-all = All
console-any = any
console-filter-status = Status
console-filter-assignee = Assignee
console-filter-channel = Channel
console-filter-priority = Priority
console-filter-type = Type
console-filter-apply = Show
console-assignee-anyone = anyone
console-assignee-me = me
console-assignee-unassigned = unassigned
console-page-next = Older tickets →
console-page-first = ← Newest

console-col-subject = Subject
console-col-customer = Customer
console-col-channel = Channel
console-col-status = Status
console-col-priority = Priority
console-col-assignee = Assignee
console-col-last = Last message

console-status-new = new
console-status-open = open
console-status-in_progress = in progress
console-status-waiting = waiting
console-status-closed = closed
console-priority-low = low
console-priority-normal = normal
console-priority-high = high
console-priority-urgent = urgent
console-channel-telegram = Telegram
console-channel-max = MAX
console-channel-virtual = website
console-sla-ok = SLA ok
console-sla-warning = SLA soon due
console-sla-breached = SLA breached
console-rating = Rating: { $score } / 5

console-no-subject = (no subject)
console-customer-unknown = visitor
console-customer = Customer
console-created = Created
console-other-tickets = Other tickets of this customer
console-author-customer = Customer
console-author-agent = Agent
console-author-system = System
console-author-note = Internal note
console-photo = photo
console-file = file
console-reply-label = Your answer
console-reply-send = Send to customer
console-reply-note = Save as internal note
console-read-only = You can read this ticket; your role cannot answer or change it.
console-save = Save

console-link-sent = I sent you a sign-in link for the web console in a private chat.
console-link-dm = Your sign-in link for the “{ $project }” web console (valid 15 minutes, works once): { $url }
console-link-start-bot = I cannot write to you privately yet. Open a private chat with me, press Start, then send /console here again.

# in the agent chat: a reply or note written in the web console
agent-relay-console-reply = 💬 { $agent } (sent from the web console):
    { $text }
agent-relay-console-note = 📝 Internal note by { $agent } (web console):
    { $text }
