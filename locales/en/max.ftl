# MAX bot and cross-messenger files. The MAX screens reuse bot.ftl; only what MAX alone needs
# is here. Keys: max-<what> for customers, agent-relay-max-<what> for the agent group.

## an agent's Telegram file that could not be moved to MAX (too large or gone)
max-file-unavailable = 📎 { $kind } “{ $name }” ({ $size }) could not be delivered here. Ask support to send it another way.

## a MAX customer's file that could not be moved to Telegram
agent-relay-max-file-too-big = 📎 { $customer } sent { $kind } “{ $name }” ({ $size }) in MAX: too large for a Telegram bot (up to 50 MB). Open it in the API or MAX.
agent-relay-max-file-failed = 📎 { $customer } sent { $kind } “{ $name }” ({ $size }) in MAX: it could not be downloaded. Open it in the API or MAX.

## file sizes
file-size-kb = { $size } KB
file-size-mb = { $size } MB
file-size-unknown = size unknown
