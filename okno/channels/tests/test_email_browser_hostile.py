"""A hostile HTML email in a real Chromium: shown in the agent's ticket page and in the
customer portal, nothing in it runs and nothing remote is fetched.

The mail carries the usual tricks (script tags, event handlers, javascript: links and
frames, SVG, meta refresh, base, CSS expressions and remote backgrounds, tracking
pixels, a phishing form). Every trick would set `window.__pwned`, open a dialog or
reach the "tracker": a local HTTP server that records each request it gets.
"""

import datetime as dt
import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from okno.channels.email.ingest import receive_email
from okno.channels.models import Mailbox
from okno.channels.tests.mails import make_email
from okno.tests.personas import PASSWORD
from okno.web.tests.browser.conftest import (  # noqa: F401 - fixtures
    browser,
    live_asgi,
    login,
    new_context,
    watch_console,
)

pytestmark = pytest.mark.browser


class Tracker:
    """Answers every GET with a 1x1 GIF and remembers the path."""

    GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

    def __init__(self):
        self.hits: list[str] = []
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                tracker.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.send_header("Content-Length", str(len(Tracker.GIF)))
                self.end_headers()
                self.wfile.write(Tracker.GIF)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def tracker():
    running = Tracker()
    yield running
    running.stop()


def hostile_html(t: str) -> str:
    pwn = "window.__pwned="
    return f"""<html><head>
<meta http-equiv="refresh" content="0;url=javascript:{pwn}'meta'">
<base href="{t}/base/">
<link rel="stylesheet" href="{t}/sheet.css">
<style>body {{ background: url({t}/style-bg.png) }} .x {{ width: expression(alert(1)) }}
@import url({t}/import.css);</style>
<script>{pwn}'script'; alert('script')</script>
</head><body onload="{pwn}'body'">
<p id="hostile-marker">Please check my invoice (hostile-marker)</p>
<img src="nonexistent.png" onerror="{pwn}'onerror'">
<img src="{t}/pixel.gif" width="1" height="1" alt="">
<img srcset="{t}/srcset.gif 1x" alt="">
<picture><source srcset="{t}/picture.gif"><img src="{t}/picture-img.gif" alt=""></picture>
<a id="js-link" href="javascript:{pwn}'link'">Open the invoice</a>
<a id="data-link" href="data:text/html,<script>alert(1)</script>">Data link</a>
<div style="background-image:url({t}/div-bg.png); width: expression(alert(1))">styled</div>
<svg onload="{pwn}'svg'"><script>{pwn}'svg-script'</script>
<a xlink:href="javascript:{pwn}'svg-link'"><text>svg link</text></a>
<image href="{t}/svg-image.png"></image></svg>
<math><mi xlink:href="javascript:{pwn}'math'">m</mi></math>
<iframe src="javascript:{pwn}'iframe'"></iframe>
<iframe srcdoc="<script>parent.__pwned='srcdoc'</script>"></iframe>
<object data="{t}/object.swf"></object><embed src="{t}/embed.swf">
<video poster="{t}/poster.png"><source src="x" onerror="{pwn}'video'"></video>
<audio src="{t}/audio.mp3" autoplay></audio>
<details open ontoggle="{pwn}'toggle'"><summary>More</summary>text</details>
<form id="phish" action="{t}/steal" method="post"><input name="password" type="password">
<button id="phish-button" type="submit">Log in again</button></form>
<input autofocus onfocus="{pwn}'focus'">
<noscript><p title="</noscript><img src=x onerror={pwn}'noscript'>"></p></noscript>
</body></html>"""


def _check_page(page, body: str, tracker: Tracker, dialogs: list, errors: list) -> None:
    """`body`: the selector of the element showing the mail."""
    assert tracker.url.startswith("http://127.0.0.1:")
    expect(page.locator(body)).to_contain_text("hostile-marker")
    page.wait_for_timeout(500)  # give a timer or a late handler its chance
    assert page.evaluate("window.__pwned") is None
    shown = page.locator(body)
    active = "script, iframe, object, embed, form, input, button, base, meta, link, style"
    assert shown.locator(active).count() == 0
    assert shown.locator("[onerror], [onload], [onfocus], [ontoggle], [style]").count() == 0
    # Remote sources are gone from the markup itself, not only refused by the CSP.
    assert shown.locator(f'[src^="{tracker.url}"], [srcset*="{tracker.url}"]').count() == 0
    assert shown.locator(f'[poster], [href^="{tracker.url}"]').count() == 0
    for link in shown.locator("a[href]").all():
        href = (link.get_attribute("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), href
    assert dialogs == []
    assert tracker.hits == [], tracker.hits
    # A CSP violation would mean something hostile reached the page at all.
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_hostile_html_email_runs_nothing_for_the_agent_and_the_customer(
    live_asgi,  # noqa: F811
    world,
    new_context,  # noqa: F811
    tracker,
):
    mailbox = Mailbox.objects.create(address="support@okno.test", kind="pipe", group=world.group_a)
    raw = make_email(
        frm=f"Ivan Petrov <{world.customer_acme.email}>",
        subject="Invoice question",
        body="Please check my invoice.",
        html=hostile_html(tracker.url),
    )
    result = receive_email(raw, mailbox=mailbox)
    ticket, message = result.ticket, result.message
    assert ticket is not None and ticket.contact_id == world.customer_acme.pk
    stored = message.body_html.lower()
    assert "<script" not in stored and "onerror" not in stored and "javascript:" not in stored

    # The agent's ticket page.
    agent = new_context().new_page()
    agent_dialogs: list = []
    agent.on("dialog", lambda d: (agent_dialogs.append(d.message), d.dismiss()))
    agent_errors = watch_console(agent)
    login(agent, live_asgi, world.agent_a.email, PASSWORD)
    agent.goto(f"{live_asgi}/tickets/{ticket.number}/")
    expect(agent.locator(f"#message-{message.pk} .msg-images")).to_be_visible()  # blocked
    _check_page(agent, f"#message-{message.pk} .msg-body", tracker, agent_dialogs, agent_errors)
    agent.get_by_text("Open the invoice").first.click()
    agent.wait_for_timeout(300)
    assert agent.evaluate("window.__pwned") is None and tracker.hits == []
    assert agent.url == f"{live_asgi}/tickets/{ticket.number}/"

    # The customer's portal page (a login link of theirs, as if mailed).
    from okno.portal.models import MagicLink

    token = "hostile-email-browser-test-token-0123456789"
    MagicLink.objects.create(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        contact=world.customer_acme,
        email=world.customer_acme.email,
        expires_at=timezone.now() + dt.timedelta(minutes=15),
    )
    customer = new_context().new_page()
    customer_dialogs: list = []
    customer.on("dialog", lambda d: (customer_dialogs.append(d.message), d.dismiss()))
    customer_errors = watch_console(customer)
    customer.goto(f"{live_asgi}/portal/login/{token}/")
    customer.click(".p-card form button[type=submit]")
    customer.wait_for_url(re.compile(r"/portal/tickets/"))
    customer.goto(f"{live_asgi}/portal/tickets/{ticket.number}/")
    _check_page(customer, ".p-conversation", tracker, customer_dialogs, customer_errors)
    customer.get_by_text("Open the invoice").first.click()
    customer.wait_for_timeout(300)
    assert customer.evaluate("window.__pwned") is None and tracker.hits == []
