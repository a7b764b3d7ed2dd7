#!/bin/sh
# Remove what install.sh installed (same --prefix). Projects, settings and logs are kept:
# they are in your own folders.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/common.sh"
read_prefix "$@"
if [ ! -d "$PREFIX" ]; then echo "Nothing to remove: $PREFIX does not exist."; exit 0; fi
for link in "$PREFIX/bin/gristmill-desktop" "$PREFIX/bin/gristmill"; do
    if [ -L "$link" ]; then rm -f "$link"; fi
done
rm -f "$SHARE/applications/gristmill.desktop" "$SHARE/icons/hicolor/scalable/apps/gristmill.svg" \
    "$SHARE/mime/packages/gristmill.xml"
rm -rf "$PREFIX/opt/Gristmill"
refresh_desktop_caches
echo "Gristmill is removed. Your projects and settings are still where you saved them."
