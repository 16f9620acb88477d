"""Canned replies: a project's saved answers, picked by a short code (`/r CODE` in the agent
chat, `canned_reply_id` in the REST reply, `helpdesk canned …`).

A reply's text is a template with a fixed set of `{variables}`; an unknown one is refused
when the reply is saved, so sending never meets one. A variable with no value (a customer
without a username, a reply sent by no agent) renders as nothing, never as its braces.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Agent, CannedReply, Project, Ticket
from services import audit
from services.audit import Actor
from services.errors import Conflict, NotFound
from services.serializers import iso
from services.validation import MAX_TEXT, invalid, parse_uuid

CODE_PATTERN = re.compile(r"[a-z0-9_-]{1,32}")
MAX_TITLE = 200
VARIABLES = (
    "customer.first_name",
    "customer.username",
    "ticket.number",
    "ticket.subject",
    "agent.name",
    "project.name",
)
_VARIABLE = re.compile(r"\{([^{}\s]*)\}")
NEAREST_LIMIT = 3


# --- templates --------------------------------------------------------------------------


def check_template(text: object) -> str:
    """The text as saved: 1–4000 characters, every `{…}` a known variable."""
    if not isinstance(text, str) or not text.strip():
        raise invalid("text", "is required")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise invalid("text", f"must be at most {MAX_TEXT} characters")
    unknown = [name for name in _VARIABLE.findall(text) if name not in VARIABLES]
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in VARIABLES)
        raise invalid("text", f"unknown variable {{{unknown[0]}}}; known: {known}")
    return text


def variables_of(ticket: Ticket, project: Project, agent: Agent | None) -> dict[str, str | None]:
    """The values a template is rendered with (None: no value)."""
    return {
        "customer.first_name": ticket.customer_first_name,
        "customer.username": ticket.customer_username,
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "agent.name": agent.name if agent is not None else None,
        "project.name": project.name,
    }


def render(template: str, values: Mapping[str, str | None]) -> str:
    """The template with each variable replaced by its value ("" when it has none)."""
    return _VARIABLE.sub(lambda match: values.get(match.group(1)) or "", template).strip()


def with_extra(rendered: str, extra: str | None) -> str:
    """`/r CODE extra text`: the agent's words follow the reply."""
    extra = (extra or "").strip()
    return f"{rendered}\n\n{extra}" if extra and rendered else (rendered or extra)


# --- the project's replies ------------------------------------------------------------


@dataclass(frozen=True)
class CannedReplyInput:
    """A new reply, or the fields of an update (None: unchanged)."""

    code: str | None = None
    title: str | None = None
    text: str | None = None


def _check_code(code: object) -> str:
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise invalid("code", "must match [a-z0-9_-]{1,32}")
    return code


def _check_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise invalid("title", "is required")
    title = title.strip()
    if len(title) > MAX_TITLE:
        raise invalid("title", f"must be at most {MAX_TITLE} characters")
    return title


def reply_view(reply: CannedReply) -> dict[str, Any]:
    return {
        "id": str(reply.id),
        "code": reply.code,
        "title": reply.title,
        "text": reply.text,
        "created_at": iso(reply.created_at),
    }


async def list_replies(project: Project) -> list[CannedReply]:
    return list(await CannedReply.filter(project_id=project.id).order_by("code"))


async def create_reply(
    project: Project, new: CannedReplyInput, *, actor: Actor = audit.API
) -> CannedReply:
    code, title, text = _check_code(new.code), _check_title(new.title), check_template(new.text)
    if await CannedReply.exists(project_id=project.id, code=code):
        raise _taken(code)
    try:
        async with in_transaction():
            reply = await CannedReply.create(
                project_id=project.id, code=code, title=title, text=text
            )
            await audit.record(
                project,
                actor,
                "canned_reply.created",
                target_type="canned_reply",
                target_id=reply.id,
                changes={"code": [None, code], "title": [None, title]},
            )
            return reply
    except IntegrityError:  # the same code saved at the same moment
        raise _taken(code) from None


async def update_reply(
    project: Project, reply_id: object, change: CannedReplyInput, *, actor: Actor = audit.API
) -> CannedReply:
    reply = await get_reply(project, reply_id)
    fields: dict[str, Any] = {}
    if change.code is not None:
        fields["code"] = _check_code(change.code)
    if change.title is not None:
        fields["title"] = _check_title(change.title)
    if change.text is not None:
        fields["text"] = check_template(change.text)
    code = fields.get("code")
    if code is not None and code != reply.code:
        if await CannedReply.exists(project_id=project.id, code=code):
            raise _taken(code)
    if fields:
        before = {name: getattr(reply, name) for name in fields}
        reply.update_from_dict(fields)
        try:
            async with in_transaction():
                await reply.save(update_fields=[*fields, "updated_at"])
                await audit.record(
                    project,
                    actor,
                    "canned_reply.changed",
                    target_type="canned_reply",
                    target_id=reply.id,
                    changes=audit.diff(before, fields),
                )
        except IntegrityError:
            raise _taken(str(code)) from None
    return reply


async def delete_reply(project: Project, reply_id: object, *, actor: Actor = audit.API) -> None:
    reply = await get_reply(project, reply_id)
    async with in_transaction():
        await reply.delete()
        await audit.record(
            project,
            actor,
            "canned_reply.removed",
            target_type="canned_reply",
            target_id=reply.id,
            changes={"code": [reply.code, None]},
        )


async def get_reply(project: Project, reply_id: object) -> CannedReply:
    reply = await CannedReply.get_or_none(
        id=parse_uuid(reply_id, what="canned reply"), project_id=project.id
    )
    if reply is None:
        raise NotFound("canned reply not found")
    return reply


async def reply_by_code(project: Project, code: str) -> CannedReply | None:
    return await CannedReply.get_or_none(project_id=project.id, code=code.strip().lower())


async def nearest_codes(project: Project, code: str) -> list[str]:
    """The project's codes most like a mistyped one (best first; may be empty)."""
    codes = await CannedReply.filter(project_id=project.id).values_list("code", flat=True)
    known = [str(c) for c in codes]
    typed = code.strip().lower()
    near = difflib.get_close_matches(typed, known, n=NEAREST_LIMIT, cutoff=0.5)
    # a typed prefix ("/r ship" for "shipping") is near even when the ratio is low
    near += [c for c in known if c.startswith(typed) and c not in near]
    return near[:NEAREST_LIMIT]


def _taken(code: str) -> Conflict:
    return Conflict(
        f"code {code} is already used in this project",
        details=[{"field": "code", "message": "is already used"}],
    )
