"""The summary tab while a streaming model writes: the preview, labelled "generating…",
replaced by the checked summary; only for the open escalation; `shown_version` for ratings."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cxsidebar.core import SummaryProgress
from cxsidebar.ui.context_view import TAB_SUMMARY
from cxsidebar.ui.summary import GENERATING

PREVIEW = "Issue:\n- Charged twice for the March invoice.\nThe customer wants:\n- A ref"


def progress(text: str = PREVIEW, *, version: int = 3, escalation_id: str = "esc-1"):
    return SummaryProgress(escalation_id=escalation_id, queue="billing", version=version, text=text)


def open_with(window, samples, summary):
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context(samples.escalation(turns=4), summary=summary))
    window.context_view.tabs.setCurrentIndex(TAB_SUMMARY)
    return window.context_view.summary


def test_a_preview_replaces_the_older_version_until_the_checked_one_arrives(window, samples):
    v2 = samples.structured_summary()  # version 2
    pane = open_with(window, samples, v2)
    assert pane.shown_version == 2

    window.show_summary_progress(progress())
    assert pane.progress_version == 3
    assert pane.meta_label.text() == f"v3 · {GENERATING}"
    assert pane.kind_label.text() == "AI summary"
    assert not pane.progress_label.isHidden()
    assert pane.text_edit.toPlainText() == PREVIEW
    assert pane.text_edit.isReadOnly()
    assert pane.scroll_area.isHidden()
    assert pane.statement_labels == []
    assert pane.shown_version is None  # the agent sees no checked summary now

    window.show_summary_progress(progress(PREVIEW + "und."))
    assert pane.text_edit.toPlainText().endswith("A refund.")

    # A refetch that still brings v2 (e.g. a live turn) leaves the preview alone.
    window.show_context(samples.context(samples.escalation(turns=4), summary=v2))
    assert pane.progress_version == 3
    assert pane.text_edit.toPlainText().endswith("A refund.")

    v3 = samples.structured_summary(version=3)
    window.show_context(samples.context(samples.escalation(turns=4), summary=v3))
    assert pane.progress_version is None
    assert pane.shown_version == 3
    assert pane.progress_label.isHidden()
    assert pane.meta_label.text().startswith("v3 · ")
    assert GENERATING not in pane.meta_label.text()
    assert pane.text_edit.isHidden()
    assert len(pane.statement_labels) == 10

    # A late preview of a version already shown checked is ignored.
    window.show_summary_progress(progress(version=3))
    assert pane.progress_version is None
    assert pane.shown_version == 3


def test_previews_show_only_for_the_open_escalation_and_end_with_it(window, samples):
    pane = open_with(window, samples, None)
    window.show_summary_progress(progress(version=1, escalation_id="esc-other"))
    assert pane.progress_version is None
    assert pane.kind_label.text() == "No summary yet"

    window.show_summary_progress(progress(version=1))
    assert pane.progress_version == 1
    window.context_view.clear()  # another escalation, or none
    assert pane.progress_version is None
    assert pane.text_edit.isHidden()
    assert pane.progress_label.isHidden()


def test_a_hostile_preview_is_plain_text(window, samples):
    pane = open_with(window, samples, None)
    hostile = f"Issue:\n- <b>bold</b> <a href='https://evil.example'>x</a> {samples.RLO}\u0007"
    assert pane.show_progress(1, hostile)
    shown = pane.text_edit.toPlainText()
    assert "<b>bold</b>" in shown  # shown as typed, never rendered
    assert "\u0007" not in shown
    assert pane.progress_label.textFormat() == Qt.TextFormat.PlainText
    assert not pane.show_progress(2, "   ")  # nothing to show: ignored
