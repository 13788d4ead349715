"""Handoff summaries: structured, cited, grounded in the transcript, private, never hijacked.

Two summarisers behind one interface: `ExtractiveSummariser` (deterministic,
offline, the default) and `LLMSummariser` (any OpenAI-compatible endpoint),
tied together by `SummaryService`, which falls back to the extractive summary
and records why. `PreviewFeed` turns a streaming model's answer into live previews.
"""

from ._draft import SECTION_TITLES, SummaryDraft, render_text
from ._extractive import ExtractiveSummariser, enough_conversation
from ._grounding import ground, problem_with
from ._llm import LLMError, LLMSettings, LLMSummariser, extract_json, ssl_context
from ._partial import PreviewFeed, partial_statements, preview_text
from ._redact import Redactor, iban_ok, luhn_ok
from ._service import Summariser, SummaryService

__all__ = [
    "SECTION_TITLES",
    "ExtractiveSummariser",
    "LLMError",
    "LLMSettings",
    "LLMSummariser",
    "PreviewFeed",
    "Redactor",
    "Summariser",
    "SummaryDraft",
    "SummaryService",
    "enough_conversation",
    "extract_json",
    "ground",
    "iban_ok",
    "luhn_ok",
    "partial_statements",
    "preview_text",
    "problem_with",
    "render_text",
    "ssl_context",
]
