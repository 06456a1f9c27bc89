"""Shapes shared by every resource: the write receipt and small string types."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

Code = Annotated[str, Field(min_length=1, max_length=40, examples=["81350200MC1234567X"])]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Reason = Annotated[str, Field(min_length=1, max_length=500, examples=["劳动关系变更"])]
Effective = Annotated[date | None, Field(
    default=None, description="business date (default: today)", examples=["2026-11-01"])]


class WriteResponse(BaseModel):
    """The receipt of a write: the aggregate, its new version, and the ledger position to pass
    as `min_position` to a later read (read-your-writes)."""

    id: str = Field(examples=["3f1c0c8e-5b7e-4c44-9d0a-6f3c1f0e2a11"])
    version: int = Field(examples=[2])
    position: int = Field(examples=[1042])
