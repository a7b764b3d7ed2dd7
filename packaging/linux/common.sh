# Shared by install.sh and uninstall.sh (sourced, not run): the --prefix argument and the
# desktop's menu and file-type caches.

# read_prefix "$@": sets PREFIX (default ~/.local, made absolute when it exists) and SHARE
# (the XDG data folder for ~/.local, else PREFIX/share); exits 2 on any other argument.
read_prefix() {
    PREFIX="${HOME}/.local"
    case "$#:${1:-}" in
        0:) ;;
        2:--prefix) PREFIX="$2" ;;
        *) echo "usage: $0 [--prefix DIR]" >&2; exit 2 ;;
    esac
    [ -n "$PREFIX" ] || { echo "$0: --prefix needs a folder" >&2; exit 2; }
    # Absolute, so the links in bin/ and the menu entry point at the app from anywhere.
    if [ -d "$PREFIX" ]; then PREFIX="$(cd "$PREFIX" && pwd)"; fi
    SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
    [ "$PREFIX" = "$HOME/.local" ] || SHARE="$PREFIX/share"
}

# Refresh the menus and file types where the tools exist (not on every desktop).
refresh_desktop_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$SHARE/applications" || true
    fi
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$SHARE/mime" >/dev/null 2>&1 || true
    fi
}
