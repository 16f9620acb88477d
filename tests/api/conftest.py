"""API tests drive the real app (create_app, role api) through pytest-aiohttp's client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from helpdesk.app import create_app
from helpdesk.settings import Settings
from models import Project
from services import catalog
from services.projects import create_project
from tests.conftest import TEST_REDIS_URL

TELEGRAM_BOT = "hd_test_bot"
MAX_BOT = "hd_max_bot"
SUMMARY_FIELDS = {
    "id", "ticket_number", "status", "priority", "channel", "ticket_type_id",
    "ticket_type_name", "subject", "assignee", "subscriber_id", "created_at", "updated_at", "sla",
}
MESSAGE_FIELDS = {"id", "author", "text", "internal", "agent_id", "created_at", "attachments"}


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any


@dataclass
class Api:
    """A client holding one project's key; `call` returns status, parsed JSON and headers."""

    client: TestClient
    project: Project
    key: str
    extra_headers: dict[str, str] = field(default_factory=dict)

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        params: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {"Authorization": f"Bearer {self.key if key is None else key}"}
        if json is not None or data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        url = path if path.startswith("/v1/") else f"/v1/helpdesk{path}"
        response = await self.client.request(
            method, url, json=json, data=data, headers=all_headers, params=params
        )
        body = await response.json(content_type=None)
        return Reply(response.status, body, response.headers)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, json, **kwargs)

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return await self.call("PATCH", path, json, **kwargs)

    async def ticket(self, **fields: Any) -> dict[str, Any]:
        reply = await self.post("/tickets", {"text": "Hello, my order is late", **fields})
        assert reply.status == 201, reply.body
        return reply.body


def api_settings(db_url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=db_url,
        redis_url=TEST_REDIS_URL,
        telegram_bot_username=TELEGRAM_BOT,
        max_bot_username=MAX_BOT,
        **overrides,
    )


@pytest.fixture
def app(db: str) -> web.Application:
    return create_app(api_settings(db), role="api")


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient:
    return await aiohttp_client(app)


@pytest.fixture
async def api(client: TestClient, project_with_key: tuple[Project, str]) -> Api:
    project, key = project_with_key
    return Api(client, project, key)


@pytest.fixture
async def other(client: TestClient, db: str) -> Api:
    """A second tenant on the same server."""
    project, key = await create_project(name="Other Corp")
    return Api(client, project, key)


@pytest.fixture
async def agent_id(api: Api) -> str:
    agent = await catalog.add_agent(api.project, name="Alice Agent", username="alice")
    return str(agent.id)
