"""What the views and middlewares share: typed app/request keys and the operation table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel

from services.projects import ApiCaller
from services.ratelimit import RateLimiter
from services.requests import BotLinks

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LimitPolicy = Literal["project", "poll"]

PREFIX = "/v1/helpdesk"
V1 = "/v1"
# the resources behind an API key (auth, tenancy, rate limit, idempotency); the helpdesk's
# also need `helpdesk_enabled`
NOTIFY_RESOURCES = ("/v1/subscribers", "/v1/subscribe-link", "/v1/messages", "/v1/broadcasts")


def is_helpdesk_path(path: str) -> bool:
    return path.startswith(PREFIX + "/")


def is_keyed_path(path: str) -> bool:
    """Whether a request path is one of the API's keyed resources."""
    return is_helpdesk_path(path) or any(
        path == base or path.startswith(base + "/") for base in NOTIFY_RESOURCES
    )


@dataclass(frozen=True)
class Operation:
    """One endpoint: its route and everything the OpenAPI document says about it."""

    method: str
    path: str  # below `base`
    handler: Handler
    name: str
    summary: str
    tag: str
    response: type[BaseModel]
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    limit: LimitPolicy = "project"
    description: str = ""
    base: str = PREFIX  # "/v1" for the subscriber, message and broadcast resources

    @property
    def full_path(self) -> str:
        return self.base + self.path


@dataclass
class ApiState:
    resources_key: web.AppKey[Any]
    operations: dict[str, Operation] = field(default_factory=dict)
    limiter: RateLimiter | None = None  # built on startup, once Redis is open


API_STATE = web.AppKey("api_state", ApiState)
CALLER = web.RequestKey("api_caller", ApiCaller)


def caller_of(request: web.Request) -> ApiCaller:
    """Whom the request acts for: its API key's project (set by the auth middleware)."""
    return request[CALLER]


def links_of(request: web.Request) -> BotLinks:
    """Read at request time: the Telegram bot learns its username from getMe after setup."""
    state = request.app[API_STATE]
    links: BotLinks = request.app[state.resources_key].links
    return links


def operation_of(request: web.Request) -> Operation | None:
    name = request.match_info.route.name
    return request.app[API_STATE].operations.get(name) if name else None
