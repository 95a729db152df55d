"""Templates reach the allowlist and nothing else; abuse fails with a clear error."""

import pytest

from okno.automation.templating import TemplateFailed, render, render_for_ticket

ESCAPES = [
    "{{ ticket.__class__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ range(10**9)|list }}",
    "{{ 'a' * 100000000 }}",
    "{{ ticket.subject.format.__globals__ }}",
    "{{ ticket.items.__self__ }}",
    "{% for x in ticket.subject.__class__.__mro__ %}{{ x }}{% endfor %}",
    "{{ self._TemplateReference__context }}",
    "{{ ticket.update({'number': 1}) }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escapes_fail_or_render_empty(source):
    context = {"ticket": {"number": 7, "subject": "S"}}
    try:
        out = render(source, context)
    except TemplateFailed as error:
        assert "cannot be rendered" in error.message
        return
    assert "class" not in out and "function" not in out and "module" not in out
    assert len(out) < 100


def test_syntax_error_is_clear():
    with pytest.raises(TemplateFailed) as caught:
        render("{% if %}", {})
    assert "cannot be rendered" in caught.value.message


def test_placeholders_and_language(world):
    world.customer_acme.language = "ru"
    world.customer_acme.save()
    ticket = world.ticket_a
    ticket.refresh_from_db()
    body = {
        "en": "Hi {{ contact.first_name }}",
        "ru": "Здравствуйте, {{ contact.first_name }}! #{{ ticket.number }}",
    }
    assert render_for_ticket(body, ticket) == f"Здравствуйте, Ivan! #{ticket.number}"
    assert (
        render_for_ticket({"en": "Hi {{ agent.name }}"}, ticket, world.agent_a) == "Hi Anna Agent"
    )


def test_html_output_is_escaped(world):
    world.ticket_a.subject = "<script>x</script>"
    out = render_for_ticket("{{ ticket.subject }}", world.ticket_a, html=True)
    assert out == "&lt;script&gt;x&lt;/script&gt;"


@pytest.mark.parametrize(
    "language,expected",
    [
        ("ru", "Здравствуйте, Ivan"),
        ("uk", "Вітаємо, Ivan"),
        ("en", "Hello Ivan"),
        ("de", "Hello Ivan"),
    ],
)
def test_the_contacts_language_picks_the_variant_else_english(world, language, expected):
    world.customer_acme.language = language
    world.customer_acme.save()
    ticket = world.ticket_a
    ticket.refresh_from_db()
    body = {
        "en": "Hello {{ contact.first_name }}",
        "ru": "Здравствуйте, {{ contact.first_name }}",
        "uk": "Вітаємо, {{ contact.first_name }}",
    }
    assert render_for_ticket(body, ticket) == expected
    assert render_for_ticket({"uk": "Вітаємо"}, ticket) == "Вітаємо"  # the only one there is


def test_a_cached_template_keeps_text_and_html_apart():
    source = "{{ ticket.subject }}"
    context = {"ticket": {"subject": "<b>"}}
    assert render(source, context) == "<b>"
    assert render(source, context, html=True) == "&lt;b&gt;"
    assert render(source, context) == "<b>"
