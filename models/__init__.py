"""Tortoise models, one module per domain; migrations live in `models.migrations`."""

from models.delivery import IdempotencyRecord, OutboundMessage, OutboxEvent, WebhookAttempt
from models.notify import (
    Broadcast,
    BroadcastRecipient,
    Notification,
    SubscribeLink,
    SubscriberTag,
)
from models.projects import Agent, ApiKey, Project, Subscriber, TicketType
from models.requests import AgentChatCode, HelpdeskRequest
from models.tickets import Message, Ticket

__all__ = [
    "Agent",
    "AgentChatCode",
    "ApiKey",
    "Broadcast",
    "BroadcastRecipient",
    "HelpdeskRequest",
    "IdempotencyRecord",
    "Message",
    "Notification",
    "OutboundMessage",
    "OutboxEvent",
    "Project",
    "SubscribeLink",
    "Subscriber",
    "SubscriberTag",
    "Ticket",
    "TicketType",
    "WebhookAttempt",
]
