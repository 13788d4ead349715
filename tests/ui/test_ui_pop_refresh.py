"""The screen-pop's path through the window: the fetch is asked for before the panes fill,
and a refresh of the shown escalation (a new summary) redoes only what changed."""

from __future__ import annotations

from cxsidebar.core import Summary


def test_the_context_is_asked_for_before_the_loading_state_is_drawn(window, qtbot, samples):
    window.set_queue([samples.item("esc-1"), samples.item("esc-2", minutes_ago=1)])
    seen: list[tuple[str | None, str]] = []
    window.context_requested.connect(
        lambda escalation_id: seen.append(
            (window.context_view.escalation_id, window.context_view.status_label.text())
        )
    )
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-2")
    # Already the escalation the answer is for, but its loading state is not drawn yet.
    assert seen == [("esc-2", "")]
    assert window.context_view.status_label.text() == "Loading context…"
    assert window.rating_panel.escalation_id == "esc-2"


def test_an_answer_given_at_once_is_not_replaced_by_the_loading_state(window, qtbot, samples):
    window.set_queue([samples.item("esc-1")])
    answer = samples.context(samples.escalation(turns=5))
    window.context_requested.connect(lambda _escalation_id: window.show_context(answer))
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-1")
    view = window.context_view
    assert view.has_context()
    assert view.transcript_model.rowCount() == 5
    assert view.status_label.isHidden()
    assert view.summary.summary == answer.summary


def test_a_new_summary_updates_the_summary_and_keeps_the_rest(window, qtbot, samples):
    window.set_queue([samples.item("esc-1")])
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-1")
    first = samples.context(samples.escalation(turns=12), summary=None)
    window.show_context(first)
    view = window.context_view
    view.profile.reveal_button.click()  # the agent looks at the email
    assert view.profile.email_label.text() == "ana.kowalski@example.com"
    chips = list(view.reasons.shown_chips())
    history_resets: list[bool] = []
    view.history_model.modelReset.connect(lambda: history_resets.append(True))
    view.transcript_model.modelReset.connect(lambda: history_resets.append(False))

    summary = Summary(kind="extractive", text="Charged twice; wants a refund.", version=1)
    window.show_context(first.model_copy(update={"summary": summary}))

    assert view.summary.summary == summary
    assert view.summary.text_edit.toPlainText() == "Charged twice; wants a refund."
    assert view.profile.email_label.text() == "ana.kowalski@example.com"  # still revealed
    assert view.reasons.shown_chips() == chips
    assert history_resets == []  # neither the history nor the transcript was rebuilt
    assert view.transcript_model.rowCount() == 12


def test_a_refresh_with_a_changed_profile_or_history_shows_the_change(window, qtbot, samples):
    window.set_queue([samples.item("esc-1")])
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-1")
    first = samples.context()
    window.show_context(first)
    view = window.context_view
    assert view.history_model.rowCount() == 3
    renamed = samples.profile(first.escalation.customer.id, display_name="Ana K.")
    window.show_context(first.model_copy(update={"profile": renamed, "history": []}))
    assert view.profile.name_label.text() == "Ana K."
    assert view.history_model.rowCount() == 0
    assert view.tabs.tabText(3) == "History (0)"


def test_another_escalation_after_a_refresh_is_filled_afresh(window, qtbot, samples):
    window.set_queue([samples.item("esc-1"), samples.item("esc-2", minutes_ago=1)])
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-1")
    window.show_context(samples.context())
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-2")
    assert not window.context_view.has_context()
    other = samples.context(samples.escalation("esc-2", turns=3), profile=None, history=[])
    window.show_context(other)
    view = window.context_view
    assert view.profile.currentWidget() is view.profile.missing_label
    assert view.history_model.rowCount() == 0
    assert view.transcript_model.rowCount() == 3
