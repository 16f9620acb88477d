"""The console's subscribers and broadcasts pages over plain HTTP: they list what the /v1
use cases list, filters and paging work, another project's broadcast is a 404, and only
owners and admins cancel a broadcast (with the form's CSRF token)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from helpdesk.app import create_app
from models import Broadcast
from models.enums import BroadcastState, Channel
from services import broadcasts, clock, console_auth, subscribers
from services.projects import create_project
from tests.api.conftest import api_settings


async def _signed_in(
    aiohttp_client: Any, db: str, project: Any, **kw: Any
) -> tuple[TestClient, str]:
    client = await aiohttp_client(create_app(api_settings(db), role="api"))
    issued = await console_auth.create_login_link(project.id, **kw)
    response = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert response.status == 303
    page = await client.get("/console")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found
    return client, found.group(1)


async def _seed_subscribers(project: Any) -> None:
    await subscribers.ensure_subscriber(
        project.id,
        Channel.TELEGRAM,
        101,
        tags=["vip"],
        first_name="Alice",
        username="alice_tg",
        language_code="en",
    )
    await subscribers.ensure_subscriber(
        project.id, Channel.MAX, 202, tags=["news"], first_name="Boris", language_code="ru"
    )
    gone = await subscribers.ensure_subscriber(
        project.id, Channel.TELEGRAM, 303, first_name="Carol"
    )
    await subscribers.end_subscription(gone.id, "api")


def _names(text: str) -> list[str]:
    return re.findall(r'<tr class="subscriber"[^>]*>\s*<td[^>]*>([^<]*)</td>', text)


async def test_subscribers_page_lists_filters_and_pages(aiohttp_client, db, project, monkeypatch):
    await _seed_subscribers(project)
    client, _ = await _signed_in(aiohttp_client, db, project, role="viewer")
    home = await (await client.get("/console")).text()
    assert 'href="/console/subscribers"' in home and 'href="/console/broadcasts"' in home
    response = await client.get("/console/subscribers")
    assert response.status == 200
    text = await response.text()
    assert set(_names(text)) == {"Alice", "Boris", "Carol"}
    assert "@alice_tg" in text and ">vip</span>" in text and "unsubscribed" in text
    assert _names(await (await client.get("/console/subscribers?tag=vip")).text()) == ["Alice"]
    assert _names(await (await client.get("/console/subscribers?channel=max")).text()) == ["Boris"]
    unsubscribed = await client.get("/console/subscribers?status=unsubscribed")
    assert _names(await unsubscribed.text()) == ["Carol"]
    assert (await client.get("/console/subscribers?status=nonsense")).status == 400
    assert (await client.get("/console/subscribers?cursor=!!")).status == 400

    # cursor paging: one per page walks all three, newest first, no repeats
    from console import views_notify

    monkeypatch.setattr(views_notify, "PAGE_SIZE", 1)
    seen: list[str] = []
    url: str | None = "/console/subscribers"
    while url:
        page = await (await client.get(url)).text()
        seen += _names(page)
        found = re.search(r'href="([^"]+)" id="next-page"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert sorted(seen) == ["Alice", "Boris", "Carol"] and len(seen) == 3

    russian = await client.get("/console/subscribers", headers={"Accept-Language": "ru"})
    assert "Подписчики" in await russian.text()


async def test_broadcasts_list_detail_and_tenancy(aiohttp_client, db, project):
    await _seed_subscribers(project)
    created = await broadcasts.create_broadcast(
        project, text="Sale", tags_all=["vip"], send_at=clock.now() + timedelta(hours=1)
    )
    client, csrf = await _signed_in(aiohttp_client, db, project, role="agent")
    listing = await (await client.get("/console/broadcasts")).text()
    assert f'href="/console/broadcasts/{created["id"]}"' in listing and "scheduled" in listing
    detail = await client.get(f"/console/broadcasts/{created['id']}")
    assert detail.status == 200
    text = await detail.text()
    assert 'data-state="scheduled"' in text
    assert 'id="cancel-broadcast"' not in text  # an agent sees no Cancel button
    refused = await client.post(f"/console/broadcasts/{created['id']}/cancel", data={"csrf": csrf})
    assert refused.status == 403

    other, _ = await create_project(name="Other Corp")
    theirs = await broadcasts.create_broadcast(other, text="Theirs")
    assert (await client.get(f"/console/broadcasts/{theirs['id']}")).status == 404
    assert (await client.get("/console/broadcasts/not-a-uuid")).status in (400, 404)
    assert theirs["id"] not in await (await client.get("/console/broadcasts")).text()


async def test_viewer_cannot_cancel_and_admin_can(aiohttp_client, db, project):
    await _seed_subscribers(project)
    created = await broadcasts.create_broadcast(
        project, text="Sale", send_at=clock.now() + timedelta(hours=1)
    )
    url = f"/console/broadcasts/{created['id']}"
    viewer, viewer_csrf = await _signed_in(aiohttp_client, db, project, role="viewer")
    refused = await viewer.post(url + "/cancel", data={"csrf": viewer_csrf})
    assert refused.status == 403
    assert (await Broadcast.get(id=created["id"])).state == BroadcastState.SCHEDULED
    await viewer.close()

    admin, csrf = await _signed_in(aiohttp_client, db, project, role="admin")
    page = await (await admin.get(url)).text()
    assert 'id="cancel-broadcast"' in page
    forged = await admin.post(url + "/cancel", data={})
    assert forged.status == 403
    assert (await Broadcast.get(id=created["id"])).state == BroadcastState.SCHEDULED
    done = await admin.post(url + "/cancel", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == url
    assert (await Broadcast.get(id=created["id"])).state == BroadcastState.CANCELLED
    after = await (await admin.get(url)).text()
    assert 'data-state="cancelled"' in after and 'id="cancel-broadcast"' not in after

    other, _ = await create_project(name="Other Corp")
    theirs = await broadcasts.create_broadcast(
        other, text="Theirs", send_at=clock.now() + timedelta(hours=1)
    )
    assert (
        await admin.post(f"/console/broadcasts/{theirs['id']}/cancel", data={"csrf": csrf})
    ).status == 404
    assert (await Broadcast.get(id=theirs["id"])).state == BroadcastState.SCHEDULED


async def test_a_finished_broadcast_cannot_be_cancelled(aiohttp_client, db, project):
    finished = await broadcasts.create_broadcast(project, text="Nobody")  # no audience: done
    url = f"/console/broadcasts/{finished['id']}"
    owner, csrf = await _signed_in(aiohttp_client, db, project)
    page = await (await owner.get(url)).text()
    assert 'data-state="done"' in page and 'id="cancel-broadcast"' not in page
    refused = await owner.post(url + "/cancel", data={"csrf": csrf})
    assert refused.status == 409 and "<html" in await refused.text()
    assert (await Broadcast.get(id=finished["id"])).state == BroadcastState.DONE
