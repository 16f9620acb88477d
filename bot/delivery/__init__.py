"""Outbound messenger delivery: a durable queue (OutboundMessage rows), platform rate limits,
retries and fault handling. `helpdesk.workers` builds the senders; bot modules register the
kinds they send with `MessengerSender.register`."""
