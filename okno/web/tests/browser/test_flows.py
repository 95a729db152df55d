"""End-to-end flows in a real browser: portal request → agent reply → customer reads it,
and two agents on one ticket."""

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from okno.accounts.models import TicketScope
from okno.tests.personas import PASSWORD
from okno.tickets.models import StatusCategory, Ticket
from okno.web.tests.browser.conftest import login, watch_console

pytestmark = pytest.mark.browser


def wait_for(condition, timeout: float = 10.0):
    """Poll the database until the server thread's commit shows up."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_portal_request_is_answered_and_solved_and_the_customer_reads_the_reply(
    live_asgi, world, new_context
):
    # Portal requests arrive without a group; this agent works every ticket.
    world.agent_a.ticket_scope = TicketScope.ALL
    world.agent_a.save(update_fields=["ticket_scope"])
    subject = "Сканер не сохраняет файлы zephyrine"

    customer = new_context().new_page()
    customer_errors = watch_console(customer)
    customer.goto(f"{live_asgi}/portal/")
    customer.fill("#id_name", "Ivan Petrov")
    customer.fill("#id_email", world.customer_acme.email)
    customer.fill("#id_subject", subject)
    customer.fill("#id_text", "После обновления сканер не сохраняет файлы в общую папку.")
    customer.click("form.p-form button[type=submit]")
    customer.wait_for_url(re.compile(r"/portal/thanks/"))
    ticket = wait_for(lambda: Ticket.objects.filter(subject=subject).first())
    assert ticket.channel == "portal" and ticket.contact_id == world.customer_acme.pk

    agent = new_context().new_page()
    agent_errors = watch_console(agent)
    login(agent, live_asgi, world.agent_a.email, PASSWORD)
    agent.fill("input[name=q]", "zephyrine")
    agent.press("input[name=q]", "Enter")
    agent.get_by_role("link", name=subject).click()
    agent.wait_for_url(re.compile(rf"/tickets/{ticket.number}/$"))
    reply = "Иван, мы перенастроили папку сканирования, попробуйте снова."
    agent.fill("#editor textarea[name=body]", reply)
    agent.get_by_role("button", name=re.compile("Solved")).click()
    expect(agent.locator("#conversation")).to_contain_text(reply)
    ticket.refresh_from_db()
    assert wait_for(lambda: Ticket.objects.get(pk=ticket.pk).state == StatusCategory.SOLVED)

    mail.outbox.clear()
    customer.goto(f"{live_asgi}/portal/login/")
    customer.fill("#id_email", world.customer_acme.email)
    customer.click("form.p-form button[type=submit]")
    customer.wait_for_url(re.compile(r"/portal/login/sent/"))
    message = wait_for(lambda: [m for m in mail.outbox if world.customer_acme.email in m.to])
    link = re.search(r"https?://\S+/portal/login/\S+/", message[-1].body).group(0)
    assert link.startswith(live_asgi)
    customer.goto(link)
    customer.click(".p-card form button[type=submit]")
    customer.wait_for_url(re.compile(r"/portal/tickets/"))
    customer.goto(f"{live_asgi}/portal/tickets/{ticket.number}/")
    expect(customer.locator(".p-conversation")).to_contain_text(reply)
    assert customer_errors == [] and agent_errors == []


def test_second_agent_on_the_same_ticket_sees_who_else_is_viewing(live_asgi, world, new_context):
    first = new_context().new_page()
    second = new_context().new_page()
    login(first, live_asgi, world.agent_a.email, PASSWORD)
    login(second, live_asgi, world.agent_a2.email, PASSWORD)
    url = f"{live_asgi}/tickets/{world.ticket_a.number}/"
    first.goto(url)
    second.goto(url)

    expect(second.locator("#ticket-presence")).to_be_visible()
    expect(second.locator("#ticket-presence")).to_contain_text(world.agent_a.name)
    expect(second.locator("#ticket-presence")).to_contain_text("also viewing")
    expect(first.locator("#ticket-presence")).to_contain_text(world.agent_a2.name)

    second.close()  # leaving the page takes the name off the other agent's banner
    expect(first.locator("#ticket-presence")).to_be_hidden()
