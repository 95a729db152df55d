"""Base classes shared by every schema."""

from ninja import Schema
from pydantic import ConfigDict


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
