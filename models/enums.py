"""Enumerations shared by the models, the use cases and the front ends."""

from enum import StrEnum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    MAX = "max"
    VIRTUAL = "virtual"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    CLOSED = "closed"


class AgentRole(StrEnum):
    """What an agent may do in the web console (a viewer reads, cannot write)."""

    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"
    VIEWER = "viewer"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class MessageSource(StrEnum):
    API = "api"
    TELEGRAM = "telegram"
    MAX = "max"
    AGENT_CHAT = "agent_chat"
    SYSTEM = "system"
    CONSOLE = "console"  # written in the web console


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up (schedule exhausted, or a permanent platform refusal)
    DISABLED = "disabled"  # endpoint disabled (410) or webhook removed; resumable


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"  # by the customer in the bot, or by the API
    BLOCKED = "blocked"  # the messenger refuses delivery (bot blocked, account deleted)


class NotificationStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class BroadcastState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientState(StrEnum):
    PENDING = "pending"  # not handed to the outbound queue yet
    QUEUED = "queued"  # its Notification and OutboundMessage exist
    SKIPPED = "skipped"  # the broadcast was cancelled first
