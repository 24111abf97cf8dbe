"""Campaign stories and updates: a little formatting, nothing that runs (nh3, Rust's ammonia)."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# Text that opens a block tag is HTML (from an editor); anything else is plain text.
LOOKS_LIKE_HTML = re.compile(r"<\s*(p|div|br|ul|ol|h[1-6]|blockquote)\b", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def sanitise(text: str) -> str:
    """Keep a small set of harmless tags; plain text becomes paragraphs (blank line = new one)."""
    text = (text or "").strip()
    if not text:
        return ""
    if not LOOKS_LIKE_HTML.search(text):
        paragraphs = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
        text = "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in paragraphs)
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    # Markup with no text left (a script in a paragraph, a lone <br>) is empty: callers refuse it.
    if not html.unescape(TAG.sub("", cleaned)).strip():
        return ""
    return cleaned
