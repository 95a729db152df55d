"""Article Markdown to safe HTML.

Two layers, each enough on its own for the common attacks:
1. markdown-it-py in CommonMark mode with raw HTML off, so `<script>` in the text is
   shown as text, and its link validator refuses javascript:, vbscript:, file: and
   non-image data: URLs. Images are narrowed further here: only https:// and
   site-relative (/kb/images/...) sources are rendered; any other image becomes its
   alt text.
2. `okno.core.text.sanitize_html` (nh3) on the result: the same allow-list as every
   other piece of HTML Okno shows.

Remote https images are allowed (unlike in customer mail) because articles are the
company's own content, written by staff.
"""

from functools import lru_cache

from markdown_it import MarkdownIt

from okno.core.text import html_to_text, sanitize_html

MAX_MARKDOWN_CHARS = 500_000


def _image_allowed(src: str) -> bool:
    src = (src or "").strip()
    if src.startswith("//"):  # protocol-relative: a remote host by another name
        return False
    return src.startswith(("https://", "/"))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    default_image = md.renderer.rules["image"]

    def image(_renderer, tokens, idx, options, env):
        token = tokens[idx]
        if not _image_allowed(token.attrGet("src") or ""):
            # The alt text lives in the children; render them as plain escaped text.
            return md.renderer.renderInline(token.children or [], options, env)
        return default_image(tokens, idx, options, env)

    md.add_render_rule("image", image)
    return md


def render_markdown(text: str) -> str:
    """Sanitized HTML for Markdown written by staff (or imported from another help center)."""
    html = _parser().render((text or "")[:MAX_MARKDOWN_CHARS])
    return sanitize_html(html)


def markdown_to_text(html: str) -> str:
    """The plain text of rendered HTML: what search indexes and snippets quote."""
    return html_to_text(html)
