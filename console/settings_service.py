"""Settings pages of how the desk answers: satisfaction ratings, canned replies and service
levels. Their use cases take no actor (ratings, canned replies and service levels are not
audited yet), so each form calls its use case as REST does; a refused value writes nothing
(the use cases check everything before they write)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from console.settings_admin import number
from console.settings_pages import Form, area, flag
from services import canned_replies, ratings, service_levels
from services.audit import Actor
from services.canned_replies import CannedReplyInput
from services.console_auth import ConsoleIdentity
from services.validation import invalid

# --- satisfaction ratings ------------------------------------------------------------


async def _ratings(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    return {"rating": (await ratings.get_settings(identity.project.id)).view()}


async def _save_ratings(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    question = form.get("question", "").strip()
    await ratings.change_settings(
        identity.project.id,
        enabled=flag(form, "enabled"),
        ask_when_customer_closes=flag(form, "ask_when_customer_closes"),
        question=question or None,  # empty: the built-in question
        actor=actor,
    )


area("ratings", "settings_ratings.html", _ratings).actions.update(save=_save_ratings)

# --- canned replies ------------------------------------------------------------------


async def _canned(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    return {"replies": await canned_replies.list_replies(identity.project)}


def _reply_input(form: Form) -> CannedReplyInput:
    return CannedReplyInput(
        code=form.get("code", "").strip(), title=form.get("title", ""), text=form.get("text", "")
    )


async def _add_reply(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await canned_replies.create_reply(identity.project, _reply_input(form), actor=actor)


async def _edit_reply(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await canned_replies.update_reply(
        identity.project, form.get("id"), _reply_input(form), actor=actor
    )


async def _remove_reply(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await canned_replies.delete_reply(identity.project, form.get("id"), actor=actor)


area("canned", "settings_canned.html", _canned).actions.update(
    add=_add_reply, edit=_edit_reply, remove=_remove_reply
)

# --- service levels ------------------------------------------------------------------


async def _sla(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    document = await service_levels.get_settings(identity.project.id)
    return {
        "levels": document,
        "business_hours_json": json.dumps(document["business_hours"], indent=1),
        "holidays_text": "\n".join(document["holidays"]),
    }


def _business_hours(form: Form) -> Any:
    """The textarea's JSON ({"mon": [["09:00", "13:00"], …], …}); empty: around the clock.
    Its shape is checked by services.service_levels, like the REST body's."""
    text = form.get("business_hours", "").strip()
    if not text or text == "null":
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise invalid("business_hours", "must be JSON or empty") from None


def _text(form: Form, name: str) -> str | None:
    return form.get(name, "").strip() or None


async def _save_sla(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    current = await service_levels.get_settings(identity.project.id)
    warn_before = number(form, "warn_before_minutes")
    document = {
        "timezone": form.get("timezone", "").strip() or "UTC",
        "business_hours": _business_hours(form),
        "holidays": form.get("holidays", "").split(),
        "targets": {
            **{
                f"{target}_minutes": number(form, f"{target}_minutes")
                for target in service_levels.TARGETS
            },
            "business_hours_only": flag(form, "business_hours_only"),
            # per-priority overrides are set over REST; the page keeps them
            "by_priority": current["targets"]["by_priority"],
        },
        "warn_before_minutes": 15 if warn_before is None else warn_before,
        "out_of_hours_reply": {
            "enabled": flag(form, "out_of_hours_enabled"),
            "text": _text(form, "out_of_hours_text"),
        },
        "auto_close": {
            "enabled": flag(form, "auto_close_enabled"),
            "after_hours": number(form, "auto_close_after_hours"),
            "reopen_window_days": number(form, "auto_close_reopen_window_days"),
            "text": _text(form, "auto_close_text"),
        },
    }
    await service_levels.put_settings(identity.project.id, document, actor=actor)


area("sla", "settings_sla.html", _sla).actions.update(save=_save_sla)
