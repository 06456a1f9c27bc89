"""Cursor pagination for lists the read side returns whole (children, inbox, history)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query

from domain.errors import ValidationError

T = TypeVar("T")

Cursor = Annotated[str | None, Query(max_length=200, description="from the previous page")]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        offset = int(value)
        if kind != "o" or offset < 0:
            raise ValueError(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("分页游标无效", message_en="invalid cursor", code="cursor.invalid",
                              field="cursor") from None
    return offset


def page(items: Sequence[T], cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    start = decode(cursor)
    chunk = list(items[start:start + limit])
    return chunk, encode(start + limit) if start + limit < len(items) else None


def strip_tokens(row: dict[str, Any]) -> dict[str, Any]:
    """Read-model rows keep the sealed token for authorised readers; never send it out."""
    return {k: v for k, v in row.items() if k not in ("personal", "name_key")}
