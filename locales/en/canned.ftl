# Canned replies (/r) and ticket search (/find) in the agent group.
agent-canned-sent = ✅ Sent to the customer:
    { $text }
agent-canned-menu = Pick a canned reply for ticket #{ $number }:
agent-canned-none = This project has no canned replies yet. Add them with `helpdesk canned add` or the API.
agent-canned-unknown = ❓ There is no canned reply “{ $code }”. Nothing was sent. Did you mean: { $codes }?
agent-canned-unknown-none = ❓ There is no canned reply “{ $code }”. Nothing was sent. Send /r to see the list.
agent-canned-button = { $code } — { $title }
agent-usage-find = Usage: /find WORDS (searches subjects and messages, internal notes too)
agent-find-none = Nothing found for “{ $query }”.
agent-find-header = Found for “{ $query }”:
agent-find-line = #{ $number } · { $subject } · { $status }
