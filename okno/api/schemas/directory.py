"""Staff, contacts and organizations."""

import datetime as dt

from ninja import Field, Schema

from okno.api.schemas.common import ContactRef, Id, InSchema, Ref, UserRef


class MeOut(Schema):
    type: str = Field(..., description="user (staff) or contact (customer)")
    id: int
    name: str
    email: str
    role: str | None = Field(None, description="Staff role; null for a customer")
    organization: Ref | None = None
    language: str
    timezone: str


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: str
    ticket_scope: str
    language: str
    timezone: str
    is_active: bool
    is_available: bool
    groups: list[Ref]

    @staticmethod
    def resolve_groups(obj):
        return list(obj.agent_groups.all())


class UserCreateIn(InSchema):
    email: str = Field(..., max_length=254)
    name: str = Field(..., max_length=150)
    password: str = Field(..., max_length=200)
    role: str = "agent"
    groups: list[Id] = []
    ticket_scope: str = "groups"
    language: str = "en"
    timezone: str = "UTC"


class UserPage(Schema):
    results: list[UserOut]
    next_cursor: str | None


class ContactOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    organization: Ref | None
    language: str
    timezone: str
    notes: str
    created_at: dt.datetime

    @staticmethod
    def resolve_organization(obj):
        return obj.organization if obj.organization_id else None


class ContactPage(Schema):
    results: list[ContactOut]
    next_cursor: str | None


class ContactCreateIn(InSchema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    organization: Id | None = None
    language: str = "en"
    timezone: str = Field("", max_length=64)
    notes: str = ""


class ContactPatchIn(InSchema):
    name: str | None = Field(None, max_length=200)
    organization: Id | None = None
    language: str | None = None
    timezone: str | None = Field(None, max_length=64)
    notes: str | None = None


class IdentityIn(InSchema):
    kind: str
    value: str = Field(..., max_length=254)


class IdentityOut(Schema):
    id: int
    kind: str
    value: str
    verified: bool
    created_at: dt.datetime


class MergeSuggestionOut(Schema):
    id: int
    contact: ContactRef
    other: ContactRef
    match: ContactRef | None = Field(
        None, description="In a contact's list: the other contact of the pair; else null"
    )
    reason_kind: str = Field(..., description="The kind of address both have: email, phone, …")
    reason_value: str
    created_at: dt.datetime

    @staticmethod
    def resolve_match(obj):
        return getattr(obj, "match", None)


class MergeSuggestionPage(Schema):
    results: list[MergeSuggestionOut]
    next_cursor: str | None


class OrganizationOut(Schema):
    id: int
    name: str
    shares_tickets: bool
    account_manager: UserRef | None
    notes: str
    domains: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_account_manager(obj):
        return obj.account_manager if obj.account_manager_id else None

    @staticmethod
    def resolve_domains(obj):
        names = getattr(obj, "domain_names", None)
        if names is None:
            names = sorted(obj.domains.values_list("domain", flat=True))
        return names


class OrganizationPage(Schema):
    results: list[OrganizationOut]
    next_cursor: str | None


class OrganizationIn(InSchema):
    name: str = Field(..., max_length=200)
    shares_tickets: bool = False
    account_manager: str | int | None = None
    notes: str = ""
    domains: list[str] = []


class OrganizationPatchIn(InSchema):
    name: str | None = Field(None, max_length=200)
    shares_tickets: bool | None = None
    account_manager: str | int | None = None
    notes: str | None = None
    domains: list[str] | None = None
