"""Image upload in the article editor, in a real Chromium: the file button and a
drop onto the text both insert Markdown whose image loads in the preview under
the site's CSP (no inline script anywhere)."""

import base64
import re

import pytest
from playwright.sync_api import expect

from okno.kb.models import Article, KbImage
from okno.kb.tests.factories import png_bytes
from okno.tests.personas import PASSWORD
from okno.web.tests.browser.conftest import login, watch_console

pytestmark = pytest.mark.browser

DROP_SCRIPT = """(area, b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
  for (const type of ["dragover", "drop"]) {
    area.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }
}"""


def test_agent_uploads_images_with_the_button_and_by_dropping(live_asgi, world, page):
    errors = watch_console(page)
    login(page, live_asgi, world.agent_a.email, PASSWORD)
    page.goto(f"{live_asgi}/kb/new/")
    page.fill("#id_title", "Printer setup")
    body = page.locator("#kb-body")
    body.fill("Step one:")
    page.set_input_files(
        "[data-kb-upload-input]",
        files=[{"name": "printer.png", "mimeType": "image/png", "buffer": png_bytes(8, 8)}],
    )
    expect(body).to_have_value(re.compile(r"!\[printer\]\(/kb/images/[-0-9a-f]+/printer\.png\)"))
    expect(page.locator(".kb-upload-status")).to_have_text("The image is added to the text.")

    body.evaluate(DROP_SCRIPT, base64.b64encode(png_bytes(4, 4)).decode())
    expect(body).to_have_value(re.compile(r"dropped\.png\)"))
    assert KbImage.objects.count() == 2

    # The preview renders both, and the browser really decodes them (CSP allows 'self').
    preview_images = page.locator("#kb-preview img")
    expect(preview_images).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#kb-preview img')].every(i => i.naturalWidth > 0)"
    )

    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url(lambda url: "/new/" not in url)
    article = Article.objects.get()
    assert article.published_version.body_html.count("<img") == 2

    # A refused file says why and inserts nothing.
    page.set_input_files(
        "[data-kb-upload-input]",
        files=[
            {"name": "evil.svg", "mimeType": "image/svg+xml", "buffer": b"<svg onload=alert(1)>"}
        ],
    )
    expect(page.locator(".kb-upload-status")).to_contain_text("PNG, JPEG, GIF or WebP")
    assert KbImage.objects.count() == 2
    assert [e for e in errors if "/kb/images/" not in e or "400" not in e] == []
