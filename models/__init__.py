"""Tortoise models, one module per domain; migrations live in `models.migrations`."""

from models.canned_replies import CannedReply
from models.delivery import IdempotencyRecord, OutboundMessage, OutboxEvent, WebhookAttempt
from models.projects import Agent, ApiKey, Project, Subscriber, TicketType
from models.requests import AgentChatCode, HelpdeskRequest
from models.tickets import Message, Ticket

__all__ = [
    "Agent",
    "AgentChatCode",
    "ApiKey",
    "CannedReply",
    "HelpdeskRequest",
    "IdempotencyRecord",
    "Message",
    "OutboundMessage",
    "OutboxEvent",
    "Project",
    "Subscriber",
    "Ticket",
    "TicketType",
    "WebhookAttempt",
]
