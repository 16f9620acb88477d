"""What the settings pages (/console/settings/...) share: owners and admins only, one use
case per form post, the refused input shown again on the page with the reason.

An area is a template plus a loader of what it shows; each of its forms is one action that
calls one use case (as `Actor.of_agent(...)`, so it is audited). An action returns None
(then post/redirect/get) or what must be shown once (a new key, a sign-in link, a secret),
which is rendered at once and never stored for a later page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from console.context import identity_of, render, resources_of
from helpdesk.settings import console_base_url
from services import console_auth
from services.audit import Actor
from services.console_auth import ConsoleIdentity
from services.errors import HelpdeskError

SETTINGS = "/console/settings"
Form = dict[str, str]
Loader = Callable[[web.Request, ConsoleIdentity], Awaitable[dict[str, Any]]]
Action = Callable[[ConsoleIdentity, Actor, Form], Awaitable[dict[str, Any] | None]]
# set by the server in every action's form (a posted field of this name is dropped): the
# console's public address from the settings, never the request's Host header
BASE_URL = "console_base_url"
ALLOW_PRIVATE = "webhook_allow_private_networks"  # "1" when the settings allow them
# refused input: shown on the page; anything else is the middleware's error page
_FORM_PROBLEMS = (400, 404, 409)


@dataclass
class Area:
    name: str
    template: str
    load: Loader
    actions: dict[str, Action] = field(default_factory=dict)


AREAS: dict[str, Area] = {}
NAV = (
    "project", "types", "agents", "keys", "ratings", "canned", "sla",
    "webhook", "agent-chat", "reports", "audit",
)


def area(name: str, template: str, load: Loader) -> Area:
    AREAS[name] = Area(name, template, load)
    return AREAS[name]


def admin_of(request: web.Request) -> ConsoleIdentity:
    identity = identity_of(request)
    console_auth.require_admin(identity)
    return identity


async def show(
    request: web.Request,
    page: Area,
    *,
    error: HelpdeskError | None = None,
    shown: dict[str, Any] | None = None,
    form: Form | None = None,
) -> web.Response:
    identity = admin_of(request)
    context = {
        "area": page.name,
        "nav": NAV,
        "error": error,
        "shown": shown or {},
        "form": form or {},
        **await page.load(request, identity),
    }
    return render(request, page.template, context, status=error.http_status if error else 200)


async def settings_home(request: web.Request) -> web.StreamResponse:
    admin_of(request)
    raise web.HTTPSeeOther(f"{SETTINGS}/project")


def _area_of(request: web.Request) -> Area:
    page = AREAS.get(request.match_info["area"])
    if page is None:
        raise web.HTTPNotFound()
    return page


async def area_page(request: web.Request) -> web.StreamResponse:
    return await show(request, _area_of(request))


async def area_post(request: web.Request) -> web.StreamResponse:
    page = _area_of(request)
    action = page.actions.get(request.match_info["action"])
    if action is None:
        raise web.HTTPNotFound()
    identity = admin_of(request)
    posted = await request.post()
    form = {k: v for k, v in posted.items() if isinstance(v, str) and k != "csrf"}
    settings = resources_of(request).settings
    form[BASE_URL] = console_base_url(settings)
    form[ALLOW_PRIVATE] = "1" if settings.webhook_allow_private_networks else ""
    try:
        shown = await action(identity, Actor.of_agent(identity.agent), form)
    except HelpdeskError as error:
        if error.http_status not in _FORM_PROBLEMS:
            raise
        return await show(request, page, error=error, form=form)
    if shown is None:
        raise web.HTTPSeeOther(f"{SETTINGS}/{page.name}")
    return await show(request, page, shown=shown)


def add_routes(router: web.UrlDispatcher) -> None:
    # the areas register themselves on import
    from console import settings_admin, settings_ops, settings_service  # noqa: F401

    router.add_route("GET", "/settings", settings_home, name="console_settings")
    router.add_route("GET", "/settings/reports.csv", settings_ops.report_csv, name="console_csv")
    router.add_route("GET", "/settings/{area}", area_page, name="console_settings_area")
    router.add_route(
        "POST", "/settings/{area}/{action}", area_post, name="console_settings_action"
    )


def flag(form: Form, name: str) -> bool:
    return form.get(name) in ("on", "true", "1")
