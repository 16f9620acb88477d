"""The web console (/console): server-rendered pages for agents, a front end like api/.

Mounted as a sub-application, so its middleware (sessions, CSRF, security headers, HTML
error pages) sees only console requests. Pages call the same use cases as the REST API.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from console import settings_pages, views_auth, views_inbox, views_notify, views_ticket
from console.context import PREFIX, STATE, ConsoleState
from console.middleware import console_middleware

HERE = Path(__file__).resolve().parent
_TICKET = "/tickets/{id}"


def create_console_app(resources_key: web.AppKey[Any]) -> web.Application:
    console = web.Application(middlewares=[console_middleware])
    aiohttp_jinja2.setup(
        console,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
    )
    console[STATE] = ConsoleState(resources_key=resources_key)
    add = console.router.add_route
    add("GET", "", views_inbox.inbox, name="console_inbox")
    add("GET", "/", views_inbox.inbox, name="console_inbox_slash")
    add("GET", "/inbox.json", views_inbox.inbox_stamp, name="console_inbox_stamp")
    add("GET", "/login/{token}", views_auth.login, name="console_login")
    add("POST", "/logout", views_auth.logout, name="console_logout")
    add("GET", "/lang/{lang}", views_auth.switch_language, name="console_lang")
    add("GET", _TICKET, views_ticket.ticket_page, name="console_ticket")
    add("GET", _TICKET + "/stamp.json", views_ticket.ticket_stamp, name="console_ticket_stamp")
    add("POST", _TICKET + "/reply", views_ticket.reply, name="console_reply")
    add("POST", _TICKET + "/status", views_ticket.set_status, name="console_status")
    add("POST", _TICKET + "/priority", views_ticket.set_priority, name="console_priority")
    add("POST", _TICKET + "/assign", views_ticket.assign, name="console_assign")
    add("POST", _TICKET + "/type", views_ticket.set_type, name="console_type")
    add(
        "GET",
        _TICKET + "/messages/{message}/files/{index:\\d+}",
        views_ticket.attachment,
        name="console_attachment",
    )
    add("GET", "/subscribers", views_notify.subscribers, name="console_subscribers")
    add("GET", "/broadcasts", views_notify.broadcast_list, name="console_broadcasts")
    add("GET", "/broadcasts/{id}", views_notify.broadcast_page, name="console_broadcast")
    add("POST", "/broadcasts/{id}/cancel", views_notify.cancel, name="console_broadcast_cancel")
    settings_pages.add_routes(console.router)
    console.router.add_static("/static", HERE / "static", name="console_static")
    return console


class RedactLoginTokens(logging.Filter):
    """The access log names each request's path: a sign-in link's token must not be kept
    there (whoever reads the log could use an unexpired link)."""

    PATTERN = re.compile(r"(/console/login/)[^\s\"?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/console/login/" in record.msg:
            record.msg = self.PATTERN.sub(r"\1[redacted]", record.msg)
        return True


def setup_console(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """Mount the console under /console on the process app."""
    app.add_subapp(PREFIX, create_console_app(resources_key))
    access_log = logging.getLogger("aiohttp.access")
    if not any(isinstance(f, RedactLoginTokens) for f in access_log.filters):
        access_log.addFilter(RedactLoginTokens())
