"""Request parsing: body and query string into the pydantic schemas, failures into 400s."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from api.errors import validation_error

M = TypeVar("M", bound=BaseModel)


async def parse_body(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    """The JSON body as `model`; an empty body is `{}` when every field is optional."""
    raw = await request.read()  # raises 413 past client_max_size; cached for the idempotency hash
    if optional and not raw.strip():
        raw = b"{}"
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise validation_error(exc) from None


def parse_query(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise validation_error(exc, where="query") from None


def json(data: object, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)
