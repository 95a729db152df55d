"""Tickets, their conversation, and everything that classifies them.

Models hold data and invariants only. Every change goes through
`okno.tickets.services`, which also writes the `TicketEvent` history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class StatusCategory(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


ACTIVE_CATEGORIES = (
    StatusCategory.NEW,
    StatusCategory.OPEN,
    StatusCategory.PENDING,
    StatusCategory.ON_HOLD,
)
DONE_CATEGORIES = (StatusCategory.SOLVED, StatusCategory.CLOSED)


# The built-in status names, for the translation catalogue: a status shows its
# name translated when the catalogue knows it, and as the admin typed it otherwise.
BUILTIN_STATUS_NAMES = [
    gettext_noop("New"),
    gettext_noop("Open"),
    gettext_noop("Pending"),
    gettext_noop("On hold"),
    gettext_noop("Solved"),
    gettext_noop("Closed"),
]


class Status(models.Model):
    """A status the admins name; its category is what the code reasons about."""

    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=10, choices=StatusCategory.choices)
    position = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(_("default of its category"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="status_name_unique"),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(is_default=True),
                name="status_one_default_per_category",
            ),
        ]

    def __str__(self):
        return gettext(self.name)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")

    @classmethod
    def from_name(cls, name: str) -> "Priority":
        return cls[name.upper()]


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_in_parent")
        ]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("kind of custom field", "Number")
    DATE = "date", _("Date")
    SELECT = "select", _("Select")
    MULTI_SELECT = "multi_select", _("Multi-select")
    CHECKBOX = "checkbox", _("Checkbox")


class CustomField(models.Model):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomFieldKind.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    required_to_solve = models.BooleanField(_("required to solve"), default=False)
    visible_to_customer = models.BooleanField(_("visible to customers"), default=False)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class Channel(models.TextChoices):
    WEB = "web", _("Agent UI")
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VIBER = "viber", _("Viber")
    VK = "vk", _("VK")
    CHAT = "chat", _("Web chat")
    CUSTOM = "custom", _("Custom channel")


class Ticket(models.Model):
    number = models.BigAutoField(primary_key=True)
    subject = models.CharField(_("subject"), max_length=250)
    status = models.ForeignKey(
        Status, on_delete=models.PROTECT, related_name="+", verbose_name=_("status")
    )
    # Denormalized from status.category so that every list filters on one indexed column.
    state = models.CharField(
        max_length=10, choices=StatusCategory.choices, default=StatusCategory.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets", verbose_name=_("tags"))
    group = models.ForeignKey(
        "accounts.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("group"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("requester"),
    )
    organization = models.ForeignKey(
        "contacts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    followers = models.ManyToManyField(
        "contacts.Contact", blank=True, related_name="followed_tickets"
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent"),
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-updated_at", "-number"]
        indexes = [
            # Keyset pagination of every built-in view: filter by scope + state,
            # order by (updated_at, number). The columns after those let the view
            # counts read the index alone (no table row: see view_counts).
            models.Index(
                fields=[
                    *("group", "state", "updated_at", "number"),
                    *("assignee", "priority", "is_deleted"),
                ],
                name="ticket_group_state_upd",
            ),
            models.Index(
                fields=[
                    *("assignee", "state", "updated_at", "number"),
                    *("group", "priority", "is_deleted"),
                ],
                name="ticket_assignee_state_upd",
            ),
            models.Index(fields=["state", "updated_at", "number"], name="ticket_state_upd"),
            models.Index(fields=["updated_at", "number"], name="ticket_upd"),
            models.Index(fields=["contact", "created_at"], name="ticket_contact_created"),
            models.Index(fields=["organization", "created_at"], name="ticket_org_created"),
            models.Index(fields=["created_at"], name="ticket_created"),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"

    @property
    def is_done(self) -> bool:
        return self.state in DONE_CATEGORIES

    @property
    def priority_name(self) -> str:
        return Priority(self.priority).name.lower()


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate")
    FOLLOW_UP = "follow_up", _("Follow-up")


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="ticketlink_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticketlink_not_self"
            ),
        ]


class AuthorKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    CONTACT = "contact", _("Customer")
    SYSTEM = "system", _("System")


class Direction(models.TextChoices):
    IN = "in", _("Inbound")
    OUT = "out", _("Outbound")


class DeliveryState(models.TextChoices):
    NONE = "", ""
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    public = models.BooleanField(default=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)  # always sanitized before it is stored
    # What the sender wrote this time, quoted history and signature folded away.
    reply_text = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    delivery_state = models.CharField(max_length=10, choices=DeliveryState.choices, blank=True)
    delivery_error = models.TextField(blank=True)
    from_outside = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_created")
        ]

    def __str__(self):
        return f"message {self.pk} on #{self.ticket_id}"

    @property
    def author_name(self) -> str:
        if self.author_user_id:
            return str(self.author_user)
        if self.author_contact_id:
            return self.author_contact.display_name
        return str(_("System"))


def attachment_path(instance, filename):
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.filename


class ActorKind(models.TextChoices):
    USER = "user", _("Agent")
    CONTACT = "contact", _("Customer")
    RULE = "rule", _("Rule")
    SYSTEM = "system", _("System")


class TicketEvent(models.Model):
    """One change to a ticket, written in the transaction that made it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)  # a rule's name, "email", …
    kind = models.CharField(max_length=40)
    field = models.CharField(max_length=60, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)  # the ticket version this event produced
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created"),
        ]

    def __str__(self):
        return f"{self.kind} on #{self.ticket_id}"


class SavedView(models.Model):
    """A ticket list an agent saved: a search query, optionally shared with everyone."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("query"), max_length=500)
    shared = models.BooleanField(_("shared with the team"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class TicketSearchText(models.Model):
    """Normalized words (lemmas) of a ticket, the source of the full-text index.

    On SQLite an FTS5 table mirrors it through triggers; on PostgreSQL a GIN index
    on its tsvector serves the queries (see `okno.tickets.search`).
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    lemmas = models.TextField()


class SubmissionKey(models.Model):
    """Idempotency keys: a double-submitted form or retried API call makes one ticket."""

    key = models.CharField(max_length=100, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
