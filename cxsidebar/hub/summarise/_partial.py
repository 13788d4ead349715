"""A preview of the summary while the model streams it: the statements written so far.

The model streams one JSON object (`SummaryDraft`'s shape) a few characters at
a time. `partial_statements` reads whatever prefix has arrived, string-aware,
and returns each statement's text with its section, the last one possibly cut
short. `PreviewFeed` turns the growing answer into throttled plain-text
previews: placeholders restored, control characters cleaned, statements with
a URL or markup left out, and nothing more once the canary appears. A preview
is never a summary: the stored one is validated and grounded afterwards.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable

from cxsidebar.core import clean_text

from ._draft import SECTION_TITLES
from ._grounding import has_link_or_markup

log = logging.getLogger(__name__)

PREVIEW_INTERVAL = 0.25  # seconds between previews of one summary
MAX_PREVIEW_STATEMENTS = 40
MAX_PREVIEW_STATEMENT = 300  # characters, as the draft schema allows
_PARTIAL_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{0,3})?$")


def _read_string(text: str, start: int) -> tuple[str, int, bool]:
    """The JSON string opening at `start`: (value, index after it, complete)."""
    index, escaped = start + 1, False
    while index < len(text):
        char = text[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return _decode(text[start + 1 : index]), index + 1, True
        index += 1
    return _decode(_PARTIAL_ESCAPE.sub("", text[start + 1 :])), len(text), False


def _decode(raw: str) -> str:
    try:
        value = json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        return raw
    return value if isinstance(value, str) else raw


def partial_statements(text: str) -> list[tuple[str, str]]:
    """(section, statement text) for every statement begun in a prefix of the JSON answer.

    Chatter before the object is skipped; unknown sections are ignored.
    """
    start = text.find("{")
    if start < 0:
        return []
    # One [is_object, pending key] per open container; the outermost is the answer.
    stack: list[list[object]] = []
    out: list[tuple[str, str]] = []
    index = start
    while index < len(text):
        char = text[index]
        if char == '"':
            value, index, complete = _read_string(text, index)
            if not stack:
                break
            top = stack[-1]
            if top[0] and top[1] is None:  # a key in an object
                if complete:
                    top[1] = value
                continue
            section = stack[0][1]
            if (
                top[0]
                and top[1] == "text"
                and isinstance(section, str)
                and section in SECTION_TITLES
                and len(stack) in (2, 3)
            ):
                out.append((section, value))
            if top[0]:
                top[1] = None
            continue
        if char in "{[":
            stack.append([char == "{", None])
        elif char in "}]":
            if stack:
                stack.pop()
            if not stack:
                break  # the object is complete
            stack[-1][1] = None
        elif char == "," and stack and stack[-1][0]:
            stack[-1][1] = None
        index += 1
    return out


def preview_text(answer: str, restore: Callable[[str], str] = lambda text: text) -> str:
    """The plain text shown while the summary is generated: section titles and statements."""
    lines: list[str] = []
    current = None
    shown = 0
    for section, raw in partial_statements(answer):
        text = clean_text(restore(raw), single_line=True).strip()[:MAX_PREVIEW_STATEMENT]
        if not text or has_link_or_markup(text):
            continue
        if section != current:
            lines.append(f"{SECTION_TITLES[section]}:")
            current = section
        lines.append(f"- {text}")
        shown += 1
        if shown >= MAX_PREVIEW_STATEMENTS:
            break
    return "\n".join(lines)


class PreviewFeed:
    """Called with the answer so far after every streamed piece; publishes throttled previews.

    The first preview goes out as soon as there is one; later ones at most every
    `interval` seconds, and only when the text changed. After the canary shows up,
    nothing more is published (the answer will be refused anyway). A preview that
    fails stops the previews, never the summary.
    """

    def __init__(
        self,
        publish: Callable[[str], None],
        *,
        canary: str,
        restore: Callable[[str], str] = lambda text: text,
        interval: float = PREVIEW_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._publish = publish
        self._canary = canary
        self._restore = restore
        self._interval = interval
        self._clock = clock
        self._last: float | None = None
        self._sent = ""
        self.stopped = False
        self.published = 0

    def __call__(self, answer: str) -> None:
        if self.stopped:
            return
        if self._canary in answer:
            self.stopped = True
            return
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now  # parsing is the cost: at most once per interval
        try:
            text = preview_text(answer, self._restore)
            if not text or text == self._sent:
                return
            self._sent = text
            self._publish(text)
        except Exception:  # logged without the text
            log.exception("summary previews stopped")
            self.stopped = True
            return
        self.published += 1
