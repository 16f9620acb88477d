"""Tortoise models, one module per domain; migrations live in `models.migrations`."""

from models.agent_chat_posts import AgentChatPost
from models.audit import AuditEntry
from models.canned_replies import CannedReply
from models.console import ConsoleSession, LoginLink
from models.delivery import IdempotencyRecord, OutboundMessage, OutboxEvent, WebhookAttempt
from models.notify import (
    Broadcast,
    BroadcastRecipient,
    Notification,
    SubscribeLink,
    SubscriberTag,
)
from models.projects import Agent, ApiKey, Project, Subscriber, TicketType
from models.ratings import Rating, RatingSettings, RatingSurvey
from models.requests import AgentChatCode, HelpdeskRequest
from models.search import SearchWord, SearchWordTicket
from models.service_levels import ServiceLevels
from models.tickets import Message, Ticket

__all__ = [
    "Agent",
    "AgentChatCode",
    "AgentChatPost",
    "ApiKey",
    "AuditEntry",
    "Broadcast",
    "BroadcastRecipient",
    "CannedReply",
    "ConsoleSession",
    "HelpdeskRequest",
    "IdempotencyRecord",
    "LoginLink",
    "Message",
    "Notification",
    "OutboundMessage",
    "OutboxEvent",
    "Project",
    "Rating",
    "RatingSettings",
    "RatingSurvey",
    "SearchWord",
    "SearchWordTicket",
    "ServiceLevels",
    "SubscribeLink",
    "Subscriber",
    "SubscriberTag",
    "Ticket",
    "TicketType",
    "WebhookAttempt",
]
