"""One hostile corpus through every widget that shows customer, bot or CRM text.

For each string: labels are PlainText with no link interaction, there is no
QTextBrowser and no rich-text editor, control characters are gone, bidi
overrides are shown as tags, every pane paints without crashing, and the
1 MB message is bounded in what reaches a widget (a bound on work, not a time).
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPlainTextEdit,
    QStyleOptionViewItem,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from cxsidebar.core import ClaimInfo, HistoryItem, Reason, ReasonKind, Summary, clean_text
from cxsidebar.ui import DesktopNotifier, MainWindow
from cxsidebar.ui.text import FIELD_LIMIT
from cxsidebar.ui.transcript import DISPLAY_LIMIT, TextRole

MEGABYTE = ("refund please " * 75_000)[:1_000_000]
CORPUS = {
    "script": "<script>alert('x')</script>hello",
    "html": "<b>urgent</b> <i>refund</i> <h1>BIG</h1>",
    "file link": '<a href="file:///etc/passwd">your invoice</a>',
    "img": '<img src="file:///etc/passwd" onerror="alert(1)">',
    "remote img": '<img src="http://127.0.0.1:9/pixel.png">',
    "markdown image": "![x](http://127.0.0.1:9/x.png) and [link](file:///etc/passwd)",
    "one megabyte": MEGABYTE,
    "controls": "Ann\x00a\x1b[31m red\x07\x08\x85\x9b\x7f!",
    "bidi override": "invoice \u202egpj.exe\u202c and \u2066isolate\u2069",
    "rtl": "مرحبا، أريد استرداد ٧٤٠ يورو — שלום",
    "emoji": "😡💳🔥 👨\u200d👩\u200d👧 🇵🇱",
    "zero width": "pa\u200by\u200cme\u200dnt\ufeff",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_context(samples, text: str):
    reasons = [
        Reason(kind=ReasonKind.KEYWORD, value="x", detail="d").model_copy(
            update={"value": text, "detail": text}
        ),
        Reason(kind=ReasonKind.OTHER, value="x").model_copy(update={"value": text}),
    ]
    base = samples.escalation()
    turn = samples.turns(1)[0].model_copy(update={"text": text, "intent": text})
    escalation = base.model_copy(
        update={
            "customer": base.customer.model_copy(update={"display_name": text}),
            "bot": base.bot.model_copy(update={"note_to_agent": text, "flow": text}),
            "reasons": reasons,
            "transcript": [turn, *samples.turns(3)[1:]],
            "channel": text,
            "queue": text,
        }
    )
    history = [
        HistoryItem(id="h1", kind="ticket", opened_at=samples.NOW).model_copy(
            update={"title": text, "status": text, "kind": text, "flow": text}
        )
    ]
    profile = samples.profile().model_copy(
        update={
            "display_name": text,
            "tier": text,
            "language": text,
            "customer_since": text,
            "email": text,
            "phone": text,
            "consent": {text: True},
        }
    )
    summary = Summary(kind="llm", text="x").model_copy(update={"text": text, "kind": text})
    return samples.context(escalation, profile=profile, history=history, summary=summary)


def displayed_strings(window: MainWindow) -> list[str]:
    """Every string a widget or a model role will draw."""
    texts = [label.text() for label in window.findChildren(QLabel)]
    texts += [edit.toPlainText() for edit in window.findChildren(QPlainTextEdit)]
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            for role in range(Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 10):
                value = index.data(role)
                if isinstance(value, str):
                    texts.append(value)
            texts.append(str(index.data()))
    return texts


def paint_rows(view: QAbstractItemView) -> None:
    """Draw every row through the view's delegate into an image, as a paint would."""
    model = view.model()
    image = QImage(400, 200, QImage.Format.Format_ARGB32)
    for row in range(model.rowCount()):
        painter = QPainter(image)
        option = QStyleOptionViewItem()
        option.rect = image.rect()
        option.font = view.font()
        option.palette = view.palette()
        option.widget = view
        view.itemDelegate().paint(painter, option, model.index(row, 0))
        painter.end()


@pytest.mark.parametrize("text", list(CORPUS.values()), ids=list(CORPUS))
def test_hostile_text_through_every_widget(qtbot, samples, text):
    window = MainWindow(clock=lambda: samples.NOW)  # the real notifier: the toast shows text
    qtbot.addWidget(window)
    window.set_agent_name(text)
    window.resize(900, 700)
    window.show()
    qtbot.waitExposed(window)
    window.set_pop_mode("notify")
    window.add_escalation(samples.item().model_copy(update={"customer_display_name": text}))
    window.open_escalation("esc-1")
    window.show_context(hostile_context(samples, text))
    window.context_view.profile.reveal_button.click()
    toast = window.notifier.toast if isinstance(window.notifier, DesktopNotifier) else None
    assert toast is not None

    widgets: list[QWidget] = [window, toast]
    for root in widgets:
        assert root.findChildren(QTextBrowser) == []
        assert [e for e in root.findChildren(QTextEdit) if e.acceptRichText()] == []
        for label in root.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName()
            assert not label.openExternalLinks()
            flags = label.textInteractionFlags()
            assert not flags & Qt.TextInteractionFlag.LinksAccessibleByMouse
            assert not flags & Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        assert all(not w.toolTip() or "<" not in w.toolTip() for w in root.findChildren(QWidget))

    shown = [*displayed_strings(window), toast.title_label.text(), toast.message_label.text()]
    assert [s for s in shown if CONTROL.search(s)] == []
    if "\u202e" in text:
        assert window.context_view.title_label.text() == clean_text(text, single_line=True)
        assert "[RLO]" in window.context_view.title_label.text()
    elif len(text) < FIELD_LIMIT:
        single = clean_text(text, single_line=True)
        view = window.context_view
        assert view.title_label.text() == single
        assert view.profile.name_label.text() == single
        assert view.profile.email_label.text() == single
        assert view.reasons.details[0].text() == clean_text(text)
        assert view.transcript_model.index(0).data(TextRole) == clean_text(text)
        assert view.summary.text_edit.toPlainText() == clean_text(text)
        assert toast.title_label.text() == f"New escalation: {single}"
    else:  # the megabyte: bounded before it reaches any widget
        summary = window.context_view.summary.text_edit.toPlainText()
        assert summary == clean_text(text)  # QPlainTextEdit lays out lazily: it takes it all
        assert [s[:80] for s in shown if s != summary and len(s) > DISPLAY_LIMIT + 200] == []

    # Everything paints: the window with each tab, and every delegate row.
    for tab in range(window.context_view.tabs.count()):
        window.context_view.tabs.setCurrentIndex(tab)
        assert not window.grab().isNull()
    for view in window.findChildren(QAbstractItemView):
        if view.model() is not None and view.model().rowCount(QModelIndex()):
            paint_rows(view)
    delegate = window.context_view.transcript_view.delegate
    assert delegate.measured <= 4 * window.context_view.transcript_model.rowCount()

    # Claimed by someone whose name is the hostile text: the claim button shows it literally.
    info = ClaimInfo(escalation_id="esc-1", queue="q", claimed_by=text, claimed_at=samples.NOW)
    window.mark_claimed(info, False)
    button = window.context_view.claim_bar.button.text()
    assert not CONTROL.search(button)
    assert len(button) <= FIELD_LIMIT * 2 + 20
    toast.close()
    window.close()


def test_no_link_can_be_activated(qtbot, samples):
    """A click on the rendered `<a href=file:…>` text does nothing: no label emits linkActivated."""
    window = MainWindow(clock=lambda: samples.NOW)
    qtbot.addWidget(window)
    text = CORPUS["file link"]
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(hostile_context(samples, text))
    activated: list[str] = []
    labels = [label for label in window.findChildren(QLabel) if "file:" in label.text()]
    assert labels
    for label in labels:
        label.linkActivated.connect(activated.append)
        qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
    assert activated == []
    window.close()
