"""Review mode for the README: a demo hub with rated escalations, a supervisor's sidebar.

Run by `tools/screenshot.sh review` under Xvfb (a real X display, not offscreen):
    python tools/screenshot_review.py OUT.png DATA_DIR [auto|light|dark]
Agents' ratings (three agents, two weeks, every demo flow) go in through the hub's
API with the context version each was served; then the sidebar signs in with a
supervisor token, opens Review, groups by flow and grabs the screen.
"""

from __future__ import annotations

import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from cxsidebar.app import Sidebar
from cxsidebar.core import Outcome, Problem, Rating, RatingBatch, RatingParts, Repeated
from cxsidebar.demo.bot import ScriptedBot
from cxsidebar.demo.hubthread import sqlite_url
from cxsidebar.demo.runner import start_demo_hub
from cxsidebar.demo.scenarios import SCENARIOS
from cxsidebar.hub.storage import open_storage
from cxsidebar.settings import Settings

AGENTS = ("Demo Agent", "Priya Natarajan", "Tom Becker")
TIMEOUT = 10.0
ROUNDS = 3  # escalations per scenario


def _seed(url: str, hub_db: str, bot_secret: str, rng: random.Random) -> str:
    storage = open_storage(hub_db)
    try:
        tokens = [storage.create_token("agent", name, ()) for name in AGENTS]
        supervisor = storage.create_token("supervisor", "Sue Supervisor", ())
    finally:
        storage.close()
    now = datetime.now(UTC)
    with ScriptedBot(url, bot_secret, interval=0, start=1000) as bot, httpx.Client() as http:
        seq = 1000
        for round_ in range(ROUNDS):
            for number, scenario in enumerate(SCENARIOS):
                seq += 1
                escalation_id = bot.post(scenario, seq)["id"]
                token = tokens[(number + round_) % len(tokens)]
                auth = {"Authorization": f"Bearer {token}"}
                served = http.get(
                    f"{url}/v1/escalations/{escalation_id}", headers=auth, timeout=TIMEOUT
                ).json()
                summary = served.get("summary") or {}
                # Flows differ in how well the bot hands over: some make agents ask again.
                weak = number % 3 == 0
                repeated = weak and rng.random() < 0.7
                overall = max(1, min(5, round(rng.gauss(2.4 if weak else 4.1, 0.8))))
                rating = Rating(
                    escalation_id=escalation_id,
                    created_at=now - timedelta(days=rng.uniform(0, 13), minutes=5),
                    overall=overall,
                    parts=RatingParts(transcript=min(5, overall + 1), summary=overall),
                    customer_repeated=repeated,
                    repeated=[Repeated.ORDER_NUMBER] if repeated else [],
                    problems=[Problem.MISSING] if weak else [],
                    outcome=Outcome.RESOLVED if rng.random() < 0.7 else Outcome.FOLLOW_UP,
                    first_action_ms=rng.randint(4_000, 40_000),
                    context_version=served.get("context_version"),
                    summary_version=summary.get("version"),
                )
                answer = http.post(
                    f"{url}/v1/ratings",
                    content=RatingBatch(ratings=[rating]).model_dump_json(),
                    headers=auth
                    | {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
                    timeout=TIMEOUT,
                )
                answer.raise_for_status()
    return supervisor


def _loaded(window: object) -> bool:
    view = getattr(window, "review_view", None)
    return view is not None and "groups" in view.status_label.text()


def main(out: Path, directory: Path, scheme: str) -> int:
    demo = start_demo_hub(directory, fresh=True)
    try:
        supervisor = _seed(
            demo.url, sqlite_url(directory / "hub.sqlite3"), demo.bot_secret, random.Random(6)
        )
        app = QApplication(sys.argv[:1])
        settings = Settings(
            hub_url=demo.url,
            token=supervisor,
            db_path=directory / "sidebar.sqlite3",
            color_scheme=scheme,
        )
        sidebar = Sidebar(settings)
        sidebar.start()
        window = sidebar.window
        window.resize(1100, 800)
        window.move(0, 0)
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        state = {"step": "wait-role", "code": 1}

        def tick() -> None:  # bounded by the deadline; each step waits for the one before
            if datetime.now(UTC) > deadline:
                print("review screenshot: timed out at", state["step"], file=sys.stderr)
                app.quit()
            elif state["step"] == "wait-role" and window.review_button.isVisible():
                window.review_button.click()
                view = window.review_view
                view.filter_bar.group_by.setCurrentIndex(view.filter_bar.group_by.findData("flow"))
                view.filter_bar.min_ratings.setValue(3)
                view.filter_bar.apply()
                state["step"] = "wait-data"
            elif state["step"] == "wait-data" and _loaded(window):
                state["step"] = "settle"
                QTimer.singleShot(1500, shoot)

        def shoot() -> None:
            screen = QGuiApplication.primaryScreen()
            screen.grabWindow(0, 0, 0, 1100, 800).save(str(out))
            print(f"wrote {out} (review, {scheme})")
            state["code"] = 0
            app.quit()

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(200)
        app.exec()
        timer.stop()
        sidebar.stop()
        return state["code"]
    finally:
        demo.hub.stop()


if __name__ == "__main__":
    scheme = sys.argv[3] if len(sys.argv) > 3 else "light"
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), scheme))
