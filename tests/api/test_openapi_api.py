"""The OpenAPI document, the offline /docs page, and a schemathesis run against the live app."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Iterator
from typing import Any

import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.routes import OPERATIONS
from services import catalog
from services.projects import update_project
from tests.api.conftest import Api

EXAMPLES_PER_OPERATION = 15
# Not negative_data_rejection: API.md lets clients send extra query parameters and body
# fields, which that check counts as invalid input that should have been refused. Invalid
# values themselves are covered by the error-table tests.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


async def test_openapi_31_document_lists_every_endpoint(client: TestClient) -> None:
    response = await client.get("/v1/openapi.json")  # no key needed
    assert response.status == 200
    document = await response.json()

    assert document["openapi"] == "3.1.0"
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
    }
    assert operations == {(op.method, op.full_path) for op in OPERATIONS}
    create = document["paths"]["/v1/helpdesk/tickets"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"]
    assert {"201", "400", "401", "403", "409", "413", "429", "500"} <= set(create["responses"])
    schemas = document["components"]["schemas"]
    assert schemas["CreateTicket"]["properties"]["text"]["maxLength"] == 4000
    assert schemas["CreateTicket"]["properties"]["chat_id"]["anyOf"][0]["type"] == "integer"
    assert schemas["TicketSummary"]["examples"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


async def test_every_reference_resolves_in_both_versions(client: TestClient) -> None:
    """Two models of one class name (a ticket's message, a subscriber's message) once left
    the document pointing at a component that did not exist."""
    for query in ("", "?version=3.0"):
        document = await (await client.get(f"/v1/openapi.json{query}")).json()
        components = document["components"]["schemas"]
        refs = set(_refs(document))
        assert refs
        missing = {ref for ref in refs if ref.split("/")[-1] not in components}
        assert not missing, (query, missing)
    notification = document["paths"]["/v1/messages/{id}"]["get"]["responses"]["200"]
    name = notification["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert "subscriber_id" in components[name]["properties"]
    reply = document["paths"]["/v1/helpdesk/tickets/{id}/reply"]["post"]["responses"]["201"]
    name = reply["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert "author" in components[name]["properties"]


async def test_docs_page_works_offline(client: TestClient) -> None:
    page = await client.get("/docs")
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    assert "http" not in html.replace("https://", "").split("<script>")[0]  # no CDN assets
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"/docs/static/{asset}" in html
        assert (await client.get(f"/docs/static/{asset}")).status == 200

    # the bundled Swagger UI 4 reads OpenAPI 3.0: the page asks for that rendition
    legacy = await (await client.get("/v1/openapi.json?version=3.0")).json()
    assert legacy["openapi"] == "3.0.3"
    text = str(legacy)
    assert "'type': 'null'" not in text and "'const'" not in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fuzz_operation(
    operation: Any, mode: GenerationMode, base_url: str, key: str, ticket_id: str
) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    existing = itertools.cycle([True, False])

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        positive = mode == GenerationMode.POSITIVE
        if positive and "id" in (case.path_parameters or {}) and next(existing):
            case.path_parameters["id"] = ticket_id  # reach the 2xx paths too
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        case.validate_response(response, checks=CHECKS)

    run()


def _fuzz(document: dict[str, Any], base_url: str, key: str, ticket_id: str) -> list[str]:
    """Runs in a thread (schemathesis is synchronous) while the server runs on the loop."""
    failures: list[str] = []
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises: the test fails
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, mode, base_url, key, ticket_id)
            except Exception as exc:
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    return failures


async def test_schemathesis_finds_no_5xx_and_no_contract_breaks(
    app: web.Application, api: Api
) -> None:
    await update_project(api.project.id, rate_limit=0)
    await catalog.add_agent(api.project, name="Agent")
    ticket = await api.ticket()
    document = await (await api.client.get("/v1/openapi.json")).json()
    await api.client.close()  # the fuzzer gets its own server on a real port

    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        failures = await asyncio.to_thread(
            _fuzz, document, f"http://127.0.0.1:{port}", api.key, ticket["id"]
        )
    finally:
        await runner.cleanup()
    assert not failures, "\n\n".join(failures)
