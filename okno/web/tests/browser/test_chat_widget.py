"""The live chat widget in a real browser: a shop page on another origin embeds the
script tag; the visitor writes, an agent in a second browser context answers from
the ticket page, typing shows both ways, a file arrives as an attachment."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from okno.channels.messengers import chat
from okno.channels.models import Connector
from okno.tests.personas import PASSWORD
from okno.tickets.models import Attachment, Channel, Ticket
from okno.web.tests.browser.conftest import free_port, login, watch_console

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def shop(live_asgi):
    """A customer's site on its own origin: one page with the script tag. Yields
    (page URL, a function to set the connector key)."""
    page = {"key": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = (
                '<!doctype html><html lang="en"><head><title>Shop</title></head><body>'
                "<h1>Our shop</h1>"
                f'<script src="{live_asgi}/chat/widget.js" data-okno-chat="{page["key"]}" async>'
                "</script></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost" vs Okno's 127.0.0.1: another origin in every respect.
    yield f"http://localhost:{port}/", page
    server.shutdown()
    server.server_close()


def shop_chat(shop, world):
    """(page URL, connector): the shop's page embeds a chat of group A allowing it."""
    url, page_settings = shop
    connector = Connector.objects.create(
        kind="chat", name="Shop chat", group=world.group_a, options={"origins": [url.rstrip("/")]}
    )
    page_settings["key"] = connector.key
    return url, connector


def wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_visitor_chats_with_an_agent_who_answers_from_the_ticket_page(
    live_asgi, shop, world, new_context
):
    url, connector = shop_chat(shop, world)

    agent = new_context().new_page()
    agent_errors = watch_console(agent)
    login(agent, live_asgi, world.agent_a.email, PASSWORD)  # agent pages mark her online
    wait_for(lambda: chat.agents_online(connector))

    visitor = new_context().new_page()
    visitor_errors = watch_console(visitor)
    visitor.goto(url)
    launcher = visitor.locator(".launcher")
    expect(launcher).to_have_text("Chat with us")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(visitor.locator("form.compose textarea")).to_be_focused()
    expect(visitor.locator("form.offline")).to_be_hidden()
    visitor.fill("form.compose input[name=name]", "Ann Visitor")
    visitor.fill("form.compose input[name=email]", "ann@shop.example")
    visitor.locator("form.compose textarea").click()
    visitor.keyboard.type("Where is my order <b>42</b>?")
    visitor.keyboard.press("Enter")
    expect(visitor.locator(".msg.visitor")).to_contain_text("Where is my order <b>42</b>?")

    ticket = wait_for(lambda: Ticket.objects.filter(channel=Channel.CHAT).first())
    assert ticket.contact.name == "Ann Visitor" and ticket.group == world.group_a
    expect(visitor.locator(".msg.visitor.pending")).to_have_count(0)  # acknowledged

    agent.goto(f"{live_asgi}/tickets/{ticket.number}/")
    expect(agent.locator("#conversation")).to_contain_text("Where is my order <b>42</b>?")
    # The page's socket has joined the ticket (its presence is in the shared cache).
    wait_for(lambda: cache.get(f"presence:{ticket.number}"))

    # The visitor types: the agent sees it.
    visitor.locator("form.compose textarea").press_sequentially("one more")
    expect(agent.locator("#ticket-presence")).to_contain_text("customer is typing")
    visitor.locator("form.compose textarea").fill("")

    # The agent types: the visitor sees "the agent is typing", without names.
    agent.locator("#editor textarea").press_sequentially("It ships today")
    expect(visitor.locator(".typing")).to_be_visible()
    expect(visitor.locator(".typing")).to_have_text("The agent is typing…")
    agent.keyboard.press("Control+Enter")

    # The reply arrives without a reload.
    reply = visitor.locator(".msg.agent", has_text="It ships today")
    expect(reply).to_be_visible()
    expect(reply).to_contain_text("Anna Agent")
    expect(visitor.locator(".typing")).to_be_hidden()

    # A file from the visitor arrives as an attachment.
    visitor.locator(".attach input").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}]
    )
    attachment = wait_for(
        lambda: Attachment.objects.filter(message__ticket=ticket, filename="receipt.png").first()
    )
    assert attachment.file.read() == PNG
    expect(agent.locator("#conversation")).to_contain_text("receipt.png")

    # A reload continues the same conversation.
    visitor.reload()
    visitor.locator(".launcher").click()
    expect(visitor.locator(".msg.agent", has_text="It ships today")).to_be_visible()
    assert Ticket.objects.filter(channel=Channel.CHAT).count() == 1
    assert visitor_errors == [] and agent_errors == []


def test_without_an_agent_online_the_visitor_gets_the_offline_form(
    live_asgi, shop, world, new_context
):
    url, connector = shop_chat(shop, world)
    visitor = new_context(locale="ru-RU").new_page()
    errors = watch_console(visitor)
    visitor.goto(url)
    visitor.locator(".launcher").click()
    offline = visitor.locator("form.offline")
    expect(offline).to_be_visible()
    expect(visitor.locator("form.compose")).to_be_hidden()
    offline.locator("input[name=name]").fill("Ann")
    offline.locator("input[name=email]").fill("ann@shop.example")
    offline.locator("textarea").fill("Please call me back")
    offline.locator("button").click()
    expect(offline.locator(".done")).not_to_be_empty()
    visitor.keyboard.press("Escape")  # closes, and the focus goes back to the launcher
    expect(visitor.locator(".panel")).to_be_hidden()
    expect(visitor.locator(".launcher")).to_be_focused()
    expect(visitor.locator(".launcher")).to_have_attribute("aria-expanded", "false")
    ticket = wait_for(lambda: Ticket.objects.filter(channel=Channel.CHAT).first())
    assert ticket.contact.email == "ann@shop.example"
    assert ticket.messages.get().body_text == "Please call me back"
    assert errors == []


def test_a_page_on_an_origin_the_connector_does_not_list_gets_no_widget(
    live_asgi, shop, world, new_context
):
    url, page_settings = shop
    connector = Connector.objects.create(
        kind="chat", name="Shop chat", options={"origins": ["https://other.example"]}
    )
    page_settings["key"] = connector.key
    visitor = new_context().new_page()
    visitor.goto(url)
    visitor.wait_for_load_state("networkidle")
    expect(visitor.locator(".launcher")).to_have_count(0)


def test_without_websockets_the_widget_falls_back_to_http(live_asgi, shop, world, new_context):
    from okno.tickets.services import ticket_reply

    url, connector = shop_chat(shop, world)
    chat.agent_seen(world.agent_a.pk)
    context = new_context()
    context.add_init_script("window.WebSocket = undefined;")  # a proxy that drops sockets
    visitor = context.new_page()
    errors = watch_console(visitor)
    visitor.goto(url)
    visitor.locator(".launcher").click()
    visitor.locator("form.compose textarea").fill("Polling hello")
    visitor.locator("form.compose textarea").press("Enter")
    ticket = wait_for(lambda: Ticket.objects.filter(channel=Channel.CHAT).first())
    expect(visitor.locator(".msg.visitor.pending")).to_have_count(0)
    ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer over HTTP")
    expect(visitor.locator(".msg.agent", has_text="Answer over HTTP")).to_be_visible()
    assert ticket.messages.count() == 2 and errors == []


def test_a_returning_visitor_pages_back_through_earlier_messages(
    live_asgi, shop, world, new_context
):
    from okno.tickets.services import ticket_reply

    url, connector = shop_chat(shop, world)
    chat.agent_seen(world.agent_a.pk)  # online: the compose form, not the offline one
    visitor = new_context().new_page()
    errors = watch_console(visitor)
    visitor.goto(url)
    visitor.locator(".launcher").click()
    visitor.locator("form.compose textarea").fill("First <i>question</i>")
    visitor.keyboard.press("Enter")
    ticket = wait_for(lambda: Ticket.objects.filter(channel=Channel.CHAT).first())
    for n in range(1, chat.HISTORY_PAGE + 1):
        ticket_reply(ticket=ticket, actor=world.agent_a, body_text=f"Answer {n}")

    visitor.reload()
    chat.agent_seen(world.agent_a.pk)
    visitor.locator(".launcher").click()
    last = f"Answer {chat.HISTORY_PAGE}"
    expect(visitor.locator(".msg.agent", has_text=last)).to_be_visible()
    expect(visitor.locator(".msg")).to_have_count(chat.HISTORY_PAGE)
    earlier = visitor.locator("button.earlier")
    expect(earlier).to_have_text("Earlier messages")
    earlier.click()
    first = visitor.locator(".msg.visitor").first
    expect(first).to_have_text("YouFirst <i>question</i>")  # as text, never markup
    expect(visitor.locator(".msg i")).to_have_count(0)
    expect(earlier).to_be_hidden()
    assert visitor.locator(".msg").first.get_attribute("class") == "msg visitor"
    assert errors == []
