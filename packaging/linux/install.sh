#!/bin/sh
# Install Gristmill for the current user: no administrator rights needed.
#   ./install.sh            into ~/.local/opt/Gristmill, with a menu entry and the commands
#                           gristmill-desktop and gristmill in ~/.local/bin
#   ./install.sh --prefix DIR   the same under DIR (DIR/opt/Gristmill, DIR/bin, DIR/share)
# Installing again replaces the previous version; projects and settings are kept (they live
# in your own folders, never in the app's).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$HERE/gristmill-desktop" ]; then
    echo "install.sh: run me from the unpacked Gristmill folder (gristmill-desktop not found)" >&2
    exit 1
fi
. "$HERE/common.sh"
read_prefix "$@"
mkdir -p "$PREFIX"
read_prefix "$@"  # again, now that the folder exists: its absolute form
APP_DIR="$PREFIX/opt/Gristmill"
BIN_DIR="$PREFIX/bin"

mkdir -p "$PREFIX/opt" "$BIN_DIR" "$SHARE/applications" "$SHARE/icons/hicolor/scalable/apps" \
    "$SHARE/mime/packages"
# Copy next to the old version, then swap, so a failed copy leaves the old one working.
rm -rf "$APP_DIR.new"
cp -a "$HERE" "$APP_DIR.new"
rm -rf "$APP_DIR"
mv "$APP_DIR.new" "$APP_DIR"

ln -sf "$APP_DIR/gristmill-desktop" "$BIN_DIR/gristmill-desktop"
ln -sf "$APP_DIR/gristmill" "$BIN_DIR/gristmill"
cp "$APP_DIR/gristmill.svg" "$SHARE/icons/hicolor/scalable/apps/gristmill.svg"
# The menu entry runs this copy by its full path, quoted (the desktop entry spec's rule for a
# path with spaces).
{
    grep -v '^Exec=' "$APP_DIR/gristmill.desktop"
    # Inside the quotes, the spec wants \ " ` $ escaped with a backslash, and % doubled.
    printf 'Exec="%s/gristmill-desktop" %%f\n' \
        "$(printf '%s' "$APP_DIR" | sed -e 's/[\\"`$]/\\&/g' -e 's/%/%%/g')"
} > "$SHARE/applications/gristmill.desktop"
cat > "$SHARE/mime/packages/gristmill.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="application/x-gristmill-project">
    <comment>Gristmill project</comment>
    <glob pattern="*.gristmill"/>
    <icon name="gristmill"/>
  </mime-type>
</mime-info>
XML
refresh_desktop_caches

echo "Gristmill is installed in $APP_DIR."
echo "Open it from your applications menu, or run: $BIN_DIR/gristmill-desktop"
case ":$PATH:" in
    *":$BIN_DIR:"*) ;;
    *) echo "(Add $BIN_DIR to your PATH to type gristmill-desktop and gristmill anywhere.)" ;;
esac
