"""What the bot posted (and agents wrote) in a MAX agent chat, per ticket.

MAX message ids are strings ("mid.…"), so they cannot live in the integer Telegram columns
(`Ticket.agent_card_message_id`, `Message.agent_chat_message_id`). A MAX chat has no topics:
an agent's reply finds its ticket through the message it replies to — the card, a relayed
customer message, a history post or another agent's message — and each of those is a row here.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.projects import project_fk, uuid_pk
from models.tickets import Message, Ticket


class AgentChatPost(Model):
    project_id: uuid.UUID
    ticket_id: uuid.UUID
    message_id: uuid.UUID | None
    id = uuid_pk()
    project = project_fk("agent_chat_posts")
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "helpdesk.Ticket", related_name="agent_chat_posts", on_delete=fields.CASCADE
    )
    # the ticket message this post shows (a relayed customer message, an agent's reply)
    message: fields.ForeignKeyNullableRelation[Message] = fields.ForeignKeyField(
        "helpdesk.Message", related_name="agent_chat_posts", null=True, on_delete=fields.SET_NULL
    )
    chat_id = fields.BigIntField()
    mid = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)  # card | customer | agent | reply | history | notice
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent_chat_posts"
        unique_together = (("chat_id", "mid"),)
        indexes = (("ticket_id", "chat_id", "kind"),)
