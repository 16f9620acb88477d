"""Everything that leaves the process, side by side: webhooks (`delivery.webhooks`: the worker
draining the outbox; `delivery.webhook_client`: one signed HTTP POST; `delivery.webhook_commit`:
the group commit; the signing and the SSRF guard are the pure rules of
`services.webhook_security`) and messenger sends (`delivery.sender` drains OutboundMessage
rows within `delivery.limits`).

Each platform's rules live once, in its module: limits, media methods, the error vocabulary,
the caption and split decisions (`delivery.telegram`, `delivery.max`). Those two import their
SDK, so only a process that runs or sends for that bot imports them; what needs no SDK (text
splitting, files across messengers) is in `delivery.text` and `delivery.files`. The
composition root (helpdesk.workers) builds the senders; bot modules register the kinds they
send with `MessengerSender.register`.
"""
