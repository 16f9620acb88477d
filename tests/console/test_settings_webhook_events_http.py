"""The webhook page's event-type checkboxes over plain HTTP: the form post stores the ticked
types (audited as the signed-in agent), all or none ticked is every type, the page shows the
choice; agents may not post it."""

from __future__ import annotations

import re

from models import AuditEntry, Project
from services import webhook_settings
from tests.console.test_settings_http import _owner

PAGE = "/console/settings/webhook"


def ticked(html: str) -> set[str]:
    return set(re.findall(r'name="event:([a-z_.]+)" value="on" checked', html))


async def test_event_types_form_stores_the_ticked_types(aiohttp_client, db, project):
    client, csrf = await _owner(aiohttp_client, db, project)
    html = await (await client.get(PAGE)).text()
    assert 'id="events-form"' in html
    assert ticked(html) == set(webhook_settings.EVENT_TYPES)  # every type by default

    posted = await client.post(
        f"{PAGE}/events",
        data={"csrf": csrf, "event:ticket.created": "on", "event:delivery.failed": "on"},
        allow_redirects=False,
    )
    assert posted.status == 303 and posted.headers["Location"] == PAGE
    stored = await Project.get(id=project.id)
    assert stored.webhook_events == ["ticket.created", "delivery.failed"]
    assert ticked(await (await client.get(PAGE)).text()) == {"ticket.created", "delivery.failed"}
    entry = await AuditEntry.get(project_id=project.id, action="webhook.events_set")
    assert entry.actor == "agent" and entry.actor_agent_id is not None

    # every box ticked: every type, new ones included (stored as null)
    every = {f"event:{name}": "on" for name in webhook_settings.EVENT_TYPES}
    await client.post(f"{PAGE}/events", data={"csrf": csrf, **every}, allow_redirects=False)
    assert (await Project.get(id=project.id)).webhook_events is None

    # an unknown name is shown as a refusal and nothing changes
    await client.post(
        f"{PAGE}/events", data={"csrf": csrf, "event:ticket.closed": "on"}, allow_redirects=False
    )
    refused = await client.post(
        f"{PAGE}/events", data={"csrf": csrf, "event:ticket.bogus": "on"}, allow_redirects=False
    )
    assert refused.status == 400 and "ticket.bogus" in await refused.text()
    assert (await Project.get(id=project.id)).webhook_events == ["ticket.closed"]

    # without the CSRF token nothing is stored
    await client.post(f"{PAGE}/events", data={"event:ticket.created": "on"}, allow_redirects=False)
    assert (await Project.get(id=project.id)).webhook_events == ["ticket.closed"]
    await client.close()


async def test_an_agent_may_not_post_the_event_types(aiohttp_client, db, project):
    client, csrf = await _owner(aiohttp_client, db, project, role="agent")
    posted = await client.post(
        f"{PAGE}/events", data={"csrf": csrf, "event:ticket.created": "on"}, allow_redirects=False
    )
    assert posted.status == 403
    assert (await Project.get(id=project.id)).webhook_events is None
    await client.close()
