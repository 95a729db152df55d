"""The shipped, editable time rules: remind a pending customer after 3 days, close
7 days after that reminder, close solved tickets after 7 days."""

from django.db import migrations

REMINDER = {
    "en": (
        "Hello {{ contact.first_name }},\n\nwe are waiting for your answer on request "
        "#{{ ticket.number }} \"{{ ticket.subject }}\". If we do not hear from you within "
        "7 days, the request will be closed.\n\n{{ ticket.url }}"
    ),
    "ru": (
        "Здравствуйте, {{ contact.first_name }}!\n\nМы ждём вашего ответа по обращению "
        "#{{ ticket.number }} «{{ ticket.subject }}». Если ответа не будет в течение "
        "7 дней, обращение будет закрыто.\n\n{{ ticket.url }}"
    ),
    "uk": (
        "Вітаємо, {{ contact.first_name }}!\n\nМи чекаємо на вашу відповідь щодо звернення "
        "#{{ ticket.number }} «{{ ticket.subject }}». Якщо відповіді не буде протягом "
        "7 днів, звернення буде закрито.\n\n{{ ticket.url }}"
    ),
}
PENDING = [{"field": "state", "operator": "is", "value": "pending"}]
RULES = [
    {
        "name": "Remind the customer after 3 days pending",
        "position": 10,
        "basis": "last_agent_message_at",
        "minutes": 3 * 24 * 60,
        "conditions": PENDING,
        "actions": [{"type": "send_reply", "params": {"text": REMINDER}}],
    },
    {
        # Measured from the same agent message as the reminder: 3 + 7 days.
        "name": "Auto-close 7 days after the reminder",
        "position": 20,
        "basis": "last_agent_message_at",
        "minutes": 10 * 24 * 60,
        "conditions": PENDING,
        "actions": [{"type": "set_status", "params": {"status": "closed"}}],
    },
    {
        "name": "Close solved tickets after 7 days",
        "position": 30,
        "basis": "solved_at",
        "minutes": 7 * 24 * 60,
        "conditions": [{"field": "state", "operator": "is", "value": "solved"}],
        "actions": [{"type": "set_status", "params": {"status": "closed"}}],
    },
]


def add(apps, schema_editor):
    TimeRule = apps.get_model("automation", "TimeRule")
    for rule in RULES:
        TimeRule.objects.get_or_create(name=rule["name"], defaults=rule)


def remove(apps, schema_editor):
    TimeRule = apps.get_model("automation", "TimeRule")
    TimeRule.objects.filter(name__in=[r["name"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
