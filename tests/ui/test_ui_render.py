"""The window paints, wide and narrow, in every tab: delegates run, nothing warns."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage

from cxsidebar.core import ClaimInfo


def distinct_colours(image: QImage, rect: QRect) -> int:
    part = image.copy(rect)
    step = 3
    return len(
        {
            part.pixel(x, y)
            for x in range(0, part.width(), step)
            for y in range(0, part.height(), step)
        }
    )


@pytest.mark.parametrize(("width", "height"), [(1100, 800), (420, 800)])
def test_window_paints_every_tab(window, qtbot, samples, width, height):
    items = [samples.item("esc-1"), samples.item("esc-2", name="Jonas Weber", minutes_ago=70)]
    window.set_queue(items)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    window.open_escalation("esc-1")
    window.show_context(samples.context(samples.escalation(turns=60)))
    mine = ClaimInfo(
        escalation_id="esc-1", queue="billing", claimed_by="Sam Agent", claimed_at=samples.NOW
    )
    window.mark_claimed(mine, True)
    tabs = window.context_view.tabs
    for tab in range(tabs.count()):
        tabs.setCurrentIndex(tab)
        image = window.grab().toImage()
        assert image.size() == window.size()
        page = tabs.currentWidget()
        area = QRect(page.mapTo(window, QPoint(0, 0)), page.size())
        assert distinct_colours(image, area) > 3, tabs.tabText(tab)
    queue = window.queue_view.viewport()
    queue_area = QRect(queue.mapTo(window, QPoint(0, 0)), queue.size())
    assert distinct_colours(window.grab().toImage(), queue_area) > 3
