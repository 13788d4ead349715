"""Making untrusted text safe to show as plain text."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters, except tab and newline, which are layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Bidi embeddings, overrides and isolates can reorder what the agent reads
# ("Trojan Source"). They are made visible instead of being obeyed.
_BIDI_CONTROLS = {
    "\u202a": "[LRE]",
    "\u202b": "[RLE]",
    "\u202c": "[PDF]",
    "\u202d": "[LRO]",
    "\u202e": "[RLO]",
    "\u2066": "[LRI]",
    "\u2067": "[RLI]",
    "\u2068": "[FSI]",
    "\u2069": "[PDI]",
}
_BIDI = re.compile("[" + "".join(_BIDI_CONTROLS) + "]")


def clean_text(text: str | None, *, single_line: bool = False) -> str:
    """Return `text` fit to show: control characters dropped, bidi controls shown.

    The result is still untrusted and must be rendered as plain text; this only
    removes what plain text rendering would otherwise get wrong. `\\r\\n` and `\\r`
    become `\\n`; with `single_line` every line break becomes a space.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    text = _BIDI.sub(lambda m: _BIDI_CONTROLS[m.group(0)], text)
    if single_line:
        text = " ".join(text.split())
    return text
