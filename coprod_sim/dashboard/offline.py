"""The room may have no internet: a browser page that proves the dashboard never needs it.

``keep_offline(page)`` lets a Playwright page reach only this machine (127.0.0.1) and aborts,
and records, every other request; the browser tests assert the list stays empty, and the
screenshot script refuses a page that asked for the internet.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse


def keep_offline(page: Any, blocked: list[str] | None = None) -> list[str]:
    """Route every request of ``page``: local ones go through, others are aborted and their
    URLs appended to ``blocked`` (a new list if None), which is returned."""
    out: list[str] = [] if blocked is None else blocked

    def route(r: Any) -> None:
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            out.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return out
