"""Build the PyInstaller bundle and the .deb, inspect the package, install it into a scratch
root and start the bundled app offscreen with --self-test (about 1.5 min on 2 cores)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxsidebar.settings import Locations, load_settings

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "installer" / "build-linux.sh"
QT_SYSTEM_LIBRARIES = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libegl1",
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
        reason="builds a Debian package",
    ),
]


def run(*args: str | Path, timeout: float = 120, **kw: object) -> str:
    return subprocess.run(
        [str(a) for a in args],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,  # type: ignore[arg-type]
    ).stdout


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller", reason="pip install pyinstaller (the test extra has it)")
    out = tmp_path_factory.mktemp("installer")
    env = dict(os.environ, OUT=str(out), DEB_COMPRESSION="gzip", PYTHON=sys.executable)
    started = time.monotonic()
    result = subprocess.run(
        [str(SCRIPT)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stderr[-4000:]
    print(f"\nbuild-linux.sh took {time.monotonic() - started:.0f} s")
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_file()
    assert path.suffix == ".deb"
    return path


def test_control_fields_and_dependencies(deb):
    fields = run("dpkg-deb", "--field", deb, "Package", "Version", "Architecture", "Depends")
    assert "Package: cxsidebar" in fields
    assert "Version: 0.1.0" in fields
    for library in QT_SYSTEM_LIBRARIES:
        assert library in fields
    info = run("dpkg-deb", "--info", deb)
    assert "conffiles" in info


def test_contents_desktop_integration_and_ownership(deb):
    contents = run("dpkg-deb", "--contents", deb)
    for path in (
        "./opt/cxsidebar/cxsidebar",
        "./usr/share/applications/cxsidebar.desktop",
        "./usr/share/icons/hicolor/scalable/apps/cxsidebar.svg",
        "./etc/xdg/autostart/cxsidebar.desktop",
        "./etc/cxsidebar/config.toml",
        "./etc/cxsidebar/policy.d/",
        "./usr/share/doc/cxsidebar/deployment.md",
    ):
        assert path in contents, path
    assert "./usr/bin/cxsidebar -> /opt/cxsidebar/cxsidebar" in contents
    assert all("root/root" in line for line in contents.splitlines())


def test_installs_into_a_scratch_root_and_starts(deb, tmp_path):
    root = tmp_path / "root"
    (root / "var/lib/dpkg/updates").mkdir(parents=True)
    (root / "var/lib/dpkg/info").mkdir()
    (root / "var/lib/dpkg/status").touch()
    # The scratch root has none of the system libraries: their Depends are forced, not missing.
    run("dpkg", f"--root={root}", "--force-depends", "--force-script-chrootless", "-i", deb)
    status = run("dpkg", f"--root={root}", "-s", "cxsidebar")
    assert "Status: install ok installed" in status
    assert " /etc/cxsidebar/config.toml " in status  # registered as a conffile
    assert " /etc/xdg/autostart/cxsidebar.desktop " in status
    autostart = (root / "etc/xdg/autostart/cxsidebar.desktop").read_text(encoding="utf-8")
    assert "Exec=/usr/bin/cxsidebar --autostart" in autostart
    # The shipped machine configuration is valid as it stands.
    machine = Locations(root / "etc/cxsidebar/config.toml", None, root / "etc/cxsidebar/policy.d")
    load_settings(environ={}, locations=machine)

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"))
    env.pop("PYTHONPATH", None)
    app = root / "opt/cxsidebar/cxsidebar"
    output = run(app, "--self-test", env=env, timeout=120)
    assert "cxsidebar self-test: ok" in output
    assert run(app, "--version", env=env).strip() == "cxsidebar 0.1.0"
