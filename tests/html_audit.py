"""Proof that an HTML document (an e-mail, the brief, a web page) is inert: no script, no handler, safe links."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["Audit", "PNG_SIGNATURE"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Audit(HTMLParser):
    """Every tag and attribute of an HTML document, to prove nothing active is in it."""

    def __init__(self, document: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(document)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def links(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.tags if tag == "a"]

    def assert_inert(self, image_schemes=("cid:",)):
        for tag, attrs in self.tags:
            assert tag not in ("script", "iframe", "object", "embed", "link", "form", "base"), tag
            for name, value in attrs.items():
                assert not name.startswith("on"), (tag, name, value)
                assert "javascript:" not in (value or "").lower(), (tag, name, value)
            if tag == "a":
                assert attrs["href"].startswith(("http://", "https://")), attrs
            if tag == "img":
                assert attrs["src"].startswith(image_schemes), attrs
