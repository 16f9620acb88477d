"""Tortoise models, one module per domain; migrations live in `models.migrations`."""

from models.delivery import IdempotencyRecord, OutboundMessage, OutboxEvent, WebhookAttempt
from models.projects import Agent, ApiKey, Project, Subscriber, TicketType
from models.requests import AgentChatCode, HelpdeskRequest
from models.service_levels import ServiceLevels
from models.tickets import Message, Ticket

__all__ = [
    "Agent",
    "AgentChatCode",
    "ApiKey",
    "HelpdeskRequest",
    "IdempotencyRecord",
    "Message",
    "OutboundMessage",
    "OutboxEvent",
    "Project",
    "ServiceLevels",
    "Subscriber",
    "Ticket",
    "TicketType",
    "WebhookAttempt",
]
