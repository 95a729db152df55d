"""What admins define: groups, statuses, categories, tags, custom fields."""

from ninja import Field, Schema

from okno.api.schemas.common import Id, InSchema


class GroupOut(Schema):
    id: int
    name: str
    description: str
    members: list[int]

    @staticmethod
    def resolve_members(obj):
        return [m.pk for m in obj.members.all()]


class GroupIn(InSchema):
    name: str = Field(..., max_length=100)
    description: str = ""
    members: list[Id] = []


class GroupPatchIn(InSchema):
    name: str | None = Field(None, max_length=100)
    description: str | None = None
    members: list[Id] | None = None


class StatusOut(Schema):
    id: int
    name: str
    category: str
    position: int
    is_default: bool
    is_active: bool


class StatusIn(InSchema):
    name: str = Field(..., max_length=60)
    category: str


class StatusPatchIn(InSchema):
    name: str | None = Field(None, max_length=60)
    is_active: bool | None = None
    is_default: bool | None = Field(None, description="Only true is meaningful")


class CategoryOut(Schema):
    id: int
    name: str
    parent: int | None
    position: int

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


class CategoryIn(InSchema):
    name: str = Field(..., max_length=100)
    parent: Id | None = None
    position: int = Field(0, ge=0, le=32767)


class CategoryPatchIn(InSchema):
    name: str | None = Field(None, max_length=100)
    parent: Id | None = None
    position: int | None = Field(None, ge=0, le=32767)


class TagOut(Schema):
    id: int
    name: str


class TagIn(InSchema):
    name: str = Field(..., max_length=60)


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    kind: str
    options: list
    required_to_solve: bool
    visible_to_customer: bool
    is_active: bool
    position: int


class CustomFieldIn(InSchema):
    key: str = Field(..., max_length=50)
    label: str = Field(..., max_length=100)
    kind: str
    options: list[str] = []
    required_to_solve: bool = False
    visible_to_customer: bool = False
    is_active: bool = True


class CustomFieldPatchIn(InSchema):
    label: str | None = Field(None, max_length=100)
    kind: str | None = None
    options: list[str] | None = None
    required_to_solve: bool | None = None
    visible_to_customer: bool | None = None
    is_active: bool | None = None
