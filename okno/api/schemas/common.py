"""Base classes shared by every schema."""

from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field


class InSchema(Schema):
    """Input: an unknown field is an error (422 naming it), never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str
    email: str


class ContactRef(Schema):
    id: int
    name: str
    email: str


# Database ids are signed 64-bit; a larger number can name no row, and must not
# reach the database driver (SQLite raises OverflowError on it).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Ticket versions are a PositiveIntegerField (32-bit on PostgreSQL).
Version = Annotated[int, Field(ge=0, le=2**31 - 1)]
