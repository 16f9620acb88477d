"""`helpdesk subscribers list` and `helpdesk broadcasts list|show` through the real entry
point: JSON out, one-line errors."""

from __future__ import annotations

import asyncio
import os
import uuid

from models import Project
from models.enums import Channel
from services import broadcasts, subscribers


async def _seed(project_id: str) -> str:
    from helpdesk.db import close_database, open_database

    await open_database(os.environ["DATABASE_URL"])
    try:
        project = await Project.get(id=project_id)
        for chat in (1, 2, 3):
            await subscribers.ensure_subscriber(
                project.id, Channel.TELEGRAM, chat, ["vip"] if chat != 2 else []
            )
        created = await broadcasts.create_broadcast(
            project, text="Sale", tags_all=["vip"], send_at=None
        )
        return str(created["id"])
    finally:
        await close_database()


def test_subscribers_and_broadcasts_commands(cli):
    code, project, _ = cli("project", "create", "--name", "Notify",
                           "--slug", f"n-{uuid.uuid4().hex[:6]}")
    assert code == 0
    pid = project["id"]
    broadcast_id = asyncio.run(_seed(pid))
    code, listing, _ = cli("subscribers", "list", "--project", pid, "--tag", "vip")
    assert code == 0 and [s["chat_id"] for s in listing["subscribers"]] == [3, 1]
    code, page, _ = cli("subscribers", "list", "--project", pid, "--limit", "2")
    assert code == 0 and len(page["subscribers"]) == 2 and page["next_cursor"]
    code, shown, _ = cli("broadcasts", "show", broadcast_id, "--project", pid)
    assert code == 0 and shown["audience"] == 2 and shown["state"] == "sending"
    code, listed, _ = cli("broadcasts", "list", "--project", pid)
    assert code == 0 and [b["id"] for b in listed["broadcasts"]] == [broadcast_id]


def test_notify_commands_refuse_bad_input_in_one_line(cli):
    code, out, err = cli("subscribers", "list", "--project", "nope")
    assert code == 2 and out is None and err.strip() == "helpdesk: error: project not found"
    code, project, _ = cli("project", "create", "--name", "N2",
                           "--slug", f"m-{uuid.uuid4().hex[:6]}")
    code, out, err = cli("broadcasts", "show", str(uuid.uuid4()), "--project", project["id"])
    assert code == 2 and err.strip() == "helpdesk: error: broadcast not found"
    code, out, err = cli("subscribers", "list", "--project", project["id"], "--cursor", "zz")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cursor" in err
    code, out, err = cli("subscribers", "list", "--project", project["id"], "--limit", "500")
    assert code == 2 and len(err.strip().splitlines()) == 1
