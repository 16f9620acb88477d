"""The OpenAPI 3.1 document, generated from the operation table and its pydantic schemas."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from api import schemas
from api.context import Operation

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Validation failed (`validation_failed`): malformed JSON, wrong types, bad values",
    401: "Missing or invalid API key (`invalid_api_key`)",
    403: "The project's helpdesk is disabled (`helpdesk_disabled`)",
    404: "Unknown id, or another project's (`not_found`)",
    409: "`wrong_channel`, `ticket_closed`, `conflict` or `idempotency_conflict`",
    413: "Body over 1 MiB (`payload_too_large`)",
    429: "Over the rate limit (`rate_limited`); see `Retry-After`",
    500: "Unexpected error (`internal_error`, retryable)",
    503: "The database is unreachable (`database_unavailable`, retryable); see `Retry-After`",
}
ALWAYS = (401, 403, 429, 500, 503)
_HEADER = {"schema": {"type": "string"}}
RESPONSE_HEADERS = {
    "RateLimit-Policy": {**_HEADER, "description": 'Quota, e.g. `"project";q=300;w=60`'},
    "RateLimit": {**_HEADER, "description": 'Remaining and reset, e.g. `"project";r=299;t=42`'},
    "X-Request-Id": {**_HEADER, "description": "Quote it when reporting a problem"},
}
IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Same key + same body within 24 h replays the first response; "
    "another body → 409 `idempotency_conflict`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}
PATH_PARAMS = {
    "id": {"type": "string", "format": "uuid", "example": schemas.UUID_EXAMPLE},
    "request_id": {
        "type": "string",
        "pattern": schemas.REQUEST_ID_PATTERN,
        "example": "Kq9xV3mN2pT7rL8s",
    },
}


def _models(operations: list[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    found: dict[type[BaseModel], JsonSchemaMode] = {schemas.Error: "serialization"}
    for op in operations:
        if op.body:
            found[op.body] = "validation"
        found[op.response] = "serialization"
    return list(found.items())


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _example(model: type[BaseModel]) -> Any:
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return examples[0] if isinstance(examples, list) and examples else None


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(model)}
    example = _example(model)
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch of Optional."""
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    if len(variants) != 1:
        return schema
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**variants[0], **merged}


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    defs = schema.get("$defs", {})
    params = []
    for name, prop in schema["properties"].items():
        prop = _non_null(prop)
        if "$ref" in prop:  # enums are inlined: a parameter schema stands alone
            target = defs[prop.pop("$ref").rsplit("/", 1)[1]]
            prop = {**target, **prop}
        prop.pop("title", None)
        if prop.get("default", 0) is None:  # absent, not null
            prop.pop("default")
        param = {"name": name, "in": "query", "required": False, "schema": prop}
        if "description" in prop:
            param["description"] = prop.pop("description")
        params.append(param)
    return params


def _operation(op: Operation) -> dict[str, Any]:
    item: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        item["description"] = op.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in PATH_PARAMS.items()
        if "{" + name + "}" in op.path
    ]
    if op.query:
        params += _query_params(op.query)
    if op.method == "POST":
        params.append(IDEMPOTENCY_PARAM)
    if params:
        item["parameters"] = params
    if op.body:
        item["requestBody"] = {"required": op.body is not schemas.CreateRequest,
                               "content": _json_content(op.body)}
    errors = set(ALWAYS) | set(op.errors)
    if op.body:
        errors |= {400, 413}
    if op.method == "POST":
        errors.add(409)  # idempotency_conflict
    success: dict[str, Any] = {"description": "Success", "headers": RESPONSE_HEADERS}
    if op.status != 204:  # 204 No Content has no body
        success["content"] = _json_content(op.response)
    responses: dict[str, Any] = {str(op.status): success}
    for status in sorted(errors):
        error: dict[str, Any] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": _ref(schemas.Error)}},
        }
        if status == 503:
            error["headers"] = {"Retry-After": {**_HEADER, "description": "Seconds to wait"}}
        if status == 429:
            error["headers"] = {
                "Retry-After": {**_HEADER, "description": "Seconds to wait"},
                **RESPONSE_HEADERS,
            }
        responses[str(status)] = error
    item["responses"] = responses
    return item


@cache
def _build(operations: tuple[Operation, ...]) -> dict[str, Any]:
    _, definitions = models_json_schema(_models(list(operations)), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.full_path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API",
            "version": "1.0.0",
            "description": "Tickets from websites and messengers (Telegram, MAX). "
            "Every request needs `Authorization: Bearer <api_key>`; errors use one envelope "
            '`{"error","code","retryable","details"?}`. A request the HTTP parser refuses '
            "gets the envelope too: 431 `headers_too_large` (a header or the request line "
            "over 8 KB, or too many headers) or 400 `bad_request` (an invalid character in a "
            "header, a repeated Content-Length, Content-Length with Transfer-Encoding).",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "hd_live_…"}
            },
        },
        "security": [{"bearerAuth": []}],
    }


def openapi_document(operations: list[Operation]) -> dict[str, Any]:
    return _build(tuple(operations))


def as_openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """The same document in OpenAPI 3.0 terms, for the bundled Swagger UI (4.x reads 3.0 only)."""

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(v) for v in node]
        if not isinstance(node, dict):
            return node
        node = {k: convert(v) for k, v in node.items()}
        for key in ("anyOf", "oneOf"):
            variants = node.get(key)
            if isinstance(variants, list) and {"type": "null"} in variants:
                rest = [v for v in variants if v != {"type": "null"}]
                node.pop(key)
                node["nullable"] = True
                if len(rest) == 1 and "$ref" not in rest[0]:
                    node = {**rest[0], **node}
                else:
                    node["allOf" if len(rest) == 1 else key] = rest
        if isinstance(node.get("examples"), list):
            node["example"] = node.pop("examples")[0]
        if "const" in node:
            node["enum"] = [node.pop("const")]
        return node

    converted = convert(copy.deepcopy(document))
    converted["openapi"] = "3.0.3"
    return converted
