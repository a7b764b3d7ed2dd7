#!/bin/sh
# Remove what install.sh installed (same --prefix). Projects, settings and logs are kept:
# they are in your own folders.
set -eu
PREFIX="${HOME}/.local"
case "$#:${1:-}" in
    0:) ;;
    2:--prefix) PREFIX="$2" ;;
    *) echo "usage: $0 [--prefix DIR]" >&2; exit 2 ;;
esac
[ -n "$PREFIX" ] || { echo "$0: --prefix needs a folder" >&2; exit 2; }
if [ ! -d "$PREFIX" ]; then echo "Nothing to remove: $PREFIX does not exist."; exit 0; fi
PREFIX="$(cd "$PREFIX" && pwd)"  # the same absolute form install.sh used
SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
[ "$PREFIX" = "$HOME/.local" ] || SHARE="$PREFIX/share"
for link in "$PREFIX/bin/gristmill-desktop" "$PREFIX/bin/gristmill"; do
    [ -L "$link" ] && rm -f "$link"
done
rm -f "$SHARE/applications/gristmill.desktop" "$SHARE/icons/hicolor/scalable/apps/gristmill.svg" \
    "$SHARE/mime/packages/gristmill.xml"
rm -rf "$PREFIX/opt/Gristmill"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$SHARE/mime" >/dev/null 2>&1 || true
echo "Gristmill is removed. Your projects and settings are still where you saved them."
