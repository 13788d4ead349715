"""`cxsidebar demo`: an in-process hub, a scripted bot and the sidebar, in one command."""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from cxsidebar.demo.hubthread import HubThread, sqlite_url
from cxsidebar.demo.scenarios import customers
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.storage import open_storage
from cxsidebar.hub.summarise import LLMSettings
from cxsidebar.settings import Settings, default_data_dir

log = logging.getLogger(__name__)

DEMO_AGENT = "Demo Agent"


@dataclass(frozen=True)
class DemoHub:
    """A running demo hub and what a sidebar and a bot need to talk to it."""

    hub: HubThread
    agent_token: str
    bot_secret: str

    @property
    def url(self) -> str:
        return self.hub.url


def start_demo_hub(directory: Path, *, fresh: bool = False) -> DemoHub:
    """Start a hub on loopback over `directory/hub.sqlite3`, loaded with the demo customers."""
    if fresh and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    storage = open_storage(sqlite_url(directory / "hub.sqlite3"))
    bot_secret = storage.add_source(f"demo-bot-{len(storage.list_sources()) + 1}")
    agent_token = storage.create_token("agent", DEMO_AGENT, ())
    for profile, history in customers():
        storage.put_customer(profile)
        storage.put_history(profile.id, list(history))
    # Summaries as in production: extractive, or an LLM when CXSIDEBAR_LLM_* name one.
    settings = HubSettings(summaries=True, llm=LLMSettings.from_env())
    hub = HubThread(storage, settings=settings).start()
    log.info("demo hub listening on %s (database %s)", hub.url, directory / "hub.sqlite3")
    return DemoHub(hub=hub, agent_token=agent_token, bot_secret=bot_secret)


def run_demo(
    *,
    interval: float = 6.0,
    fresh: bool = False,
    directory: Path | None = None,
    bot_format: str = "v1",
) -> int:
    from cxsidebar.app import run_sidebar
    from cxsidebar.demo.bot import ScriptedBot

    directory = directory or default_data_dir() / "demo"
    demo = start_demo_hub(directory, fresh=fresh)
    stop = threading.Event()
    bot = ScriptedBot(demo.url, demo.bot_secret, interval=interval, format=bot_format)
    bot_thread = threading.Thread(target=bot.run, args=(stop,), name="demo-bot", daemon=True)
    bot_thread.start()
    settings = Settings(
        hub_url=demo.url,
        token=demo.agent_token,
        db_path=directory / "sidebar.sqlite3",
    )
    print(
        f"cxsidebar demo: hub on {demo.url}; a scripted bot escalates every {interval:g} s"
        + ("." if bot_format == "v1" else f", speaking {bot_format}'s handoff format.")
    )
    print("Close the sidebar window to stop.")
    try:
        return run_sidebar(settings)
    finally:
        stop.set()
        bot_thread.join(timeout=5)
        bot.close()
        demo.hub.stop()
