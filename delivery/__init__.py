"""Everything that leaves the process: webhooks (`delivery.webhooks`, signed HTTP POSTs from
the outbox) and messenger sends (`delivery.sender` drains OutboundMessage rows; each
platform's rules — limits, media methods, error vocabulary, caption and split decisions —
live in `delivery.telegram` and `delivery.max`, which import their SDK and so are imported
only by a process that sends for that bot). The composition root (helpdesk.workers) wires
them; bot modules register the kinds they send with `MessengerSender.register`."""
