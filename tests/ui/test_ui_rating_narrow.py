"""The rating form in a narrow sidebar: rows of check boxes wrap instead of clipping."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QCheckBox, QWidget

from cxsidebar.ui.flow import FlowLayout
from cxsidebar.ui.rating import RatingPanel


def boxes_of(panel: RatingPanel) -> list:
    controls = panel.controls if hasattr(panel, "controls") else panel
    return [
        controls.repeat_box,
        *controls.repeated_boxes.values(),
        *controls.problem_boxes.values(),
    ]


def test_check_boxes_wrap_and_stay_whole_at_sidebar_width(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 900)
    panel.show()
    qtbot.waitExposed(panel)
    boxes = boxes_of(panel)
    qtbot.waitUntil(lambda: all(box.geometry().width() > 0 for box in boxes))

    assert panel.width() == 420  # the form fits a sidebar that narrow
    inside = panel.contentsRect()
    places = [QRect(box.mapTo(panel, box.rect().topLeft()), box.size()) for box in boxes]
    for box, place in zip(boxes, places, strict=True):
        assert inside.contains(place), f"{box.text()!r} is clipped at {place}"
        assert box.width() >= box.sizeHint().width(), f"{box.text()!r} is squeezed"
    for number, place in enumerate(places):
        assert not any(place.intersects(other) for other in places[number + 1 :])
    lines = {box.y() for box in boxes}
    assert len(lines) > 2  # the rows did wrap


def test_a_wide_form_keeps_each_row_on_one_line(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    panel.resize(1400, 700)
    panel.show()
    qtbot.waitExposed(panel)
    controls = panel.controls if hasattr(panel, "controls") else panel
    row = [controls.repeat_box, *controls.repeated_boxes.values()]
    qtbot.waitUntil(lambda: row[-1].width() > 0)
    assert len({box.y() for box in row}) == 1


def test_flow_layout_height_follows_width(qtbot):
    layout = FlowLayout()
    host = QWidget()
    qtbot.addWidget(host)
    host.setLayout(layout)
    for text in ("Account ID", "Order number", "Issue description", "Identity verification"):
        layout.addWidget(QCheckBox(text, host))
    one_line = layout.sizeHint().height()
    assert layout.heightForWidth(layout.sizeHint().width()) == one_line
    narrowest = layout.minimumSize().width()
    assert layout.heightForWidth(narrowest) > 3 * one_line
    assert layout.count() == 4
    assert layout.itemAt(4) is None
