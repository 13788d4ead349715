#!/usr/bin/env bash
# Build the Linux sidebar: a PyInstaller one-folder bundle and a .deb around it.
#   installer/build-linux.sh               → build/installer/cxsidebar_<version>_<arch>.deb
# Environment: PYTHON (default .venv/bin/python), OUT (default build/installer),
# DEB_COMPRESSION (xz, the default, is smallest; gzip is about 4× faster for tests).
set -euo pipefail
trap 'echo "build-linux.sh: line $LINENO exited $?" >&2' ERR
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
OUT=$(realpath -m "${OUT:-build/installer}")
COMPRESSION=${DEB_COMPRESSION:-xz}
version=$("$PYTHON" -c 'import cxsidebar; print(cxsidebar.__version__)')
arch=$(dpkg --print-architecture)
# getconf answers in one line; `ldd --version | head -1` dies of SIGPIPE under pipefail.
glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')

echo "== PyInstaller onedir bundle (cxsidebar $version)" >&2
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$OUT/dist" --workpath "$OUT/work" installer/cxsidebar.spec

echo "== .deb" >&2
root="$OUT/deb-root"
rm -rf "$root"
install -d "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/doc/cxsidebar" \
    "$root/etc/xdg/autostart" "$root/etc/cxsidebar/policy.d"
cp -a "$OUT/dist/cxsidebar" "$root/opt/cxsidebar"
ln -s /opt/cxsidebar/cxsidebar "$root/usr/bin/cxsidebar"
install -m 0644 installer/linux/cxsidebar.desktop "$root/usr/share/applications/cxsidebar.desktop"
install -m 0644 installer/linux/cxsidebar-autostart.desktop "$root/etc/xdg/autostart/cxsidebar.desktop"
install -m 0644 installer/linux/config.toml "$root/etc/cxsidebar/config.toml"
install -m 0644 resources/cxsidebar.svg "$root/usr/share/icons/hicolor/scalable/apps/cxsidebar.svg"
install -m 0644 docs/deployment.md "$root/usr/share/doc/cxsidebar/deployment.md"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: cxsidebar
Version: $version
Architecture: $arch
Maintainer: cxsidebar team <cxsidebar@example.com>
Installed-Size: $size
Section: net
Priority: optional
Depends: libc6 (>= $glibc), libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3, libxkbcommon0, libxkbcommon-x11-0, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, libxcb-xkb1, libx11-xcb1
Recommends: gnome-keyring | kwalletmanager | keepassxc
Homepage: https://example.com/cxsidebar
Description: handoff context for contact-centre agents
 A desktop sidebar that shows an agent the bot transcript, why the bot
 escalated, the customer profile and CRM history when a chatbot or voicebot
 hands a customer over. Run "cxsidebar doctor" to check a workstation.
CONTROL
printf '%s\n' /etc/cxsidebar/config.toml /etc/xdg/autostart/cxsidebar.desktop > "$root/DEBIAN/conffiles"
chmod -R u+rwX,go+rX,go-w "$root"
deb="$OUT/cxsidebar_${version}_${arch}.deb"
dpkg-deb --root-owner-group "-Z$COMPRESSION" --build "$root" "$deb" >&2
echo "$deb"
