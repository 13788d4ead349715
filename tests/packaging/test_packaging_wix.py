"""The WiX source for the Windows MSI: its structure, and a real build with wixl when present."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

WXS = Path(__file__).parents[2] / "installer" / "windows" / "cxsidebar.wxs"
NS = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
UPGRADE_CODE = "6A0B8B0E-4C1F-4F57-9C55-2D3B6F1E7C41"  # stable forever: changing it breaks upgrades


def product() -> ET.Element:
    root = ET.parse(WXS).getroot()  # noqa: S314 (our own file, not untrusted input)
    found = root.find("w:Product", NS)
    assert found is not None
    return found


def test_per_machine_with_a_stable_upgrade_code_and_major_upgrade():
    p = product()
    assert p.get("UpgradeCode") == UPGRADE_CODE
    assert p.get("Id") == "*"  # a new product code per build, as MajorUpgrade needs
    package = p.find("w:Package", NS)
    assert package is not None
    assert package.get("InstallScope") == "perMachine"
    assert p.find("w:MajorUpgrade", NS) is not None


def test_public_properties_are_secure_in_the_wix_build():
    text = WXS.read_text(encoding="utf-8")
    for name in ("HUBURL", "QUEUES", "AUTOSTART"):
        assert f'<Property Id="{name}"' in text
        lines = text.splitlines()
        line = next(x for x in lines if f'<Property Id="{name}" ' in x and "Secure" in x)
        assert 'Secure="yes"' in line


def test_properties_land_in_the_machine_configuration_and_autostart_is_optional():
    text = WXS.read_text(encoding="utf-8")
    assert 'Key="SOFTWARE\\cxsidebar" Name="hub_url" Type="string"' in text
    assert 'Value="[HUBURL]"' in text
    assert 'Value="[QUEUES]"' in text
    assert "CurrentVersion\\Run" in text
    assert "--autostart" in text
    assert '<Condition Level="0">AUTOSTART = "0"</Condition>' in text


def msiinfo(command: str, msi: Path, *args: str) -> str:
    return subprocess.run(
        ["msiinfo", command, str(msi), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


@pytest.mark.skipif(
    shutil.which("wixl") is None or shutil.which("msiinfo") is None,
    reason="needs Debian's wixl and msitools (apt install wixl msitools)",
)
def test_wixl_builds_an_msi_with_the_expected_tables(tmp_path):
    app = tmp_path / "dist" / "cxsidebar"
    app.mkdir(parents=True)
    (app / "cxsidebar.exe").write_bytes(b"MZ stand-in for the PyInstaller executable")
    msi = tmp_path / "cxsidebar.msi"
    subprocess.run(
        [
            "wixl",
            "-a",
            "x64",
            "-D",
            "WIXL=1",
            "-D",
            "HeatFiles=0",
            "-D",
            "Version=0.1.0",
            "-D",
            "AppDir=dist/cxsidebar",
            "-o",
            str(msi),
            str(WXS),
        ],
        check=True,
        capture_output=True,
        timeout=60,
        cwd=tmp_path,  # wixl wants relative paths
    )
    properties = msiinfo("export", msi, "Property")
    assert "ALLUSERS\t1" in properties
    assert f"UpgradeCode\t{{{UPGRADE_CODE}}}" in properties
    assert "AUTOSTART\t1" in properties
    upgrade = msiinfo("export", msi, "Upgrade")
    assert "WIX_UPGRADE_DETECTED" in upgrade
    assert "WIX_DOWNGRADE_DETECTED" in upgrade
    registry = msiinfo("export", msi, "Registry")
    assert "SOFTWARE\\cxsidebar\thub_url\t[HUBURL]" in registry
    assert "SOFTWARE\\cxsidebar\tqueues\t[QUEUES]" in registry
    run_entry = '"[INSTALLFOLDER]cxsidebar.exe" --autostart'
    assert f"CurrentVersion\\Run\tcxsidebar\t{run_entry}" in registry
    features = msiinfo("export", msi, "FeatureComponents")
    assert "AutostartFeature\tAutostart" in features
    assert "x64" in msiinfo("suminfo", msi)
