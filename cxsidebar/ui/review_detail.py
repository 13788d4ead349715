"""Drill-down: one rating and the exact context the agent judged.

The context is shown with the sidebar's own read-only `ContextView` (transcript,
the rated summary version, profile, history), without its claim and regenerate
controls: a supervisor looks, never acts. Every untrusted string stays plain text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from cxsidebar.core import RatedContext, RatingListItem

from .context_view import ContextView
from .text import clip, plain_label


def rating_headline(item: RatingListItem) -> str:
    rating = item.rating
    when = rating.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    parts = [
        f"{rating.overall}/5 by {clip(item.agent) or 'unknown agent'}",
        f"flow {clip(item.flow)}",
        f"queue {clip(item.queue)}",
        when,
    ]
    if not item.current:
        parts.append("superseded by a later edit")
    return " · ".join(parts)


def version_line(answer: RatedContext) -> str:
    summary = (
        f"summary version {answer.summary_version} ({clip(answer.item.summariser)})"
        if answer.summary_version is not None
        else "no summary was shown"
    )
    context = (
        f"context {clip(answer.context_version, 12)}" if answer.context_version else "no context"
    )
    return f"Rated {summary} · {context}"


def verdict_text(item: RatingListItem) -> str:
    """What the agent said, as one plain block (shown in a read-only QPlainTextEdit)."""
    rating = item.rating
    parts = rating.parts
    scores = ", ".join(
        f"{name} {value}"
        for name, value in (
            ("transcript", parts.transcript),
            ("summary", parts.summary),
            ("profile", parts.profile),
            ("history", parts.history),
        )
        if value is not None
    )
    lines = [f"Parts: {scores or 'not scored'}"]
    if rating.customer_repeated:
        asked = ", ".join(r.value.replace("_", " ") for r in rating.repeated) or "unspecified"
        lines.append(f"Had to ask again: {asked}")
    if rating.problems:
        lines.append("Problems: " + ", ".join(p.value.replace("_", " ") for p in rating.problems))
    if rating.outcome is not None:
        lines.append(f"Outcome: {rating.outcome.value.replace('_', ' ')}")
    if rating.comment:
        lines.append("Comment: " + clip(rating.comment, 4000, single_line=False))
    return "\n".join(lines)


class RatingDetail(QStackedWidget):
    """A placeholder, a loading/error line, or the rating with its context."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Rated context")
        self.message = plain_label(
            "Open a rating (Enter or double-click) to see the context the agent judged.",
            name="Drill-down status",
            wrap=True,
        )
        self.message.setStyleSheet("padding: 16px;")
        self.addWidget(self.message)

        page = QWidget(self)
        self.headline = plain_label(name="Rating", wrap=True)
        self.headline.setStyleSheet("font-weight: bold;")
        self.versions = plain_label(name="Rated versions", wrap=True)
        self.verdict = QPlainTextEdit(page)
        self.verdict.setReadOnly(True)
        self.verdict.setAccessibleName("The agent's verdict")
        self.verdict.setMaximumHeight(90)
        self.missing = plain_label(
            "The hub has no snapshot of the context this rating judged.",
            name="Context missing",
            wrap=True,
        )
        self.context = ContextView(page)
        self.context.claim_bar.setVisible(False)  # a supervisor only looks
        self.context.summary.regenerate_button.setVisible(False)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.headline)
        layout.addWidget(self.versions)
        layout.addWidget(self.verdict)
        layout.addWidget(self.missing)
        layout.addWidget(self.context, 1)
        self.page = page
        self.addWidget(page)
        self.shown: RatedContext | None = None

    def show_loading(self) -> None:
        self.message.setText("Loading the rated context…")
        self.message.setStyleSheet("padding: 16px;")
        self.setCurrentWidget(self.message)

    def show_error(self, message: str) -> None:
        self.message.setText(
            f"Could not load the rated context: {clip(message, 2000, single_line=False)}"
        )
        self.message.setStyleSheet("padding: 16px; color: #c5221f; font-weight: bold;")
        self.setCurrentWidget(self.message)

    def show_rated(self, answer: RatedContext) -> None:
        self.shown = answer
        self.headline.setText(rating_headline(answer.item))
        self.versions.setText(version_line(answer))
        self.verdict.setPlainText(verdict_text(answer.item))
        self.missing.setVisible(answer.context is None)
        self.context.setVisible(answer.context is not None)
        if answer.context is not None:
            self.context.show_context(answer.context, me="")
            self.context.claim_bar.setVisible(False)
        self.setCurrentWidget(self.page)
