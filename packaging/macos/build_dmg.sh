#!/usr/bin/env bash
# Build Gristmill's macOS disk image: build/Gristmill-VERSION-macos-ARCH.dmg (ARCH: arm64 or
# x86_64, the machine's own; build on each architecture, see packaging/README.md).
#
#   packaging/macos/build_dmg.sh
#
# 1. python3 packaging/build.py --self-test: build/dist/Gristmill.app, built in a clean
#    environment and checked by the frozen app's own --self-test.
# 2. With GRISTMILL_SIGN_IDENTITY ("Developer ID Application: NAME (TEAMID)", in the keychain):
#    signs each piece of code inside the app, inside out, with the hardened runtime and a
#    secure timestamp, then the app itself with packaging/macos/entitlements.plist; verifies
#    the signature and runs the self-test again on the signed app. (No `codesign --deep` for
#    signing: it would give every library the app's entitlements.)
#    Without it the app keeps PyInstaller's ad-hoc signature, re-sealed after build.py added
#    the `gristmill` command-line link (Gatekeeper then asks users to allow the app).
# 3. With GRISTMILL_NOTARY_PROFILE too (a keychain profile saved with `xcrun notarytool
#    store-credentials`): notarizes the app and staples the ticket to it, so the copy users
#    drag to Applications is accepted even offline.
# 4. The disk image: the app and a link to /Applications, compressed (UDZO); signed, notarized
#    and stapled like the app when the variables above are set.
#
# Environment: PYTHON, the Python the build environment is made from (default: python3; it
# should be Python 3.11 from python.org).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$ROOT/build"
APP="$BUILD/dist/Gristmill.app"
MAIN="$APP/Contents/MacOS/gristmill-desktop"
ENTITLEMENTS="$ROOT/packaging/macos/entitlements.plist"
VENV_PYTHON="$BUILD/packaging-venv/bin/python"
PYTHON="${PYTHON:-python3}"
IDENTITY="${GRISTMILL_SIGN_IDENTITY:-}"
NOTARY_PROFILE="${GRISTMILL_NOTARY_PROFILE:-}"

log() { printf '[build_dmg] %s\n' "$*"; }
fail() { printf '[build_dmg] FAILED: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"

# Check the signing set-up before a build of several minutes, not after.
if [ -n "$NOTARY_PROFILE" ] && [ -z "$IDENTITY" ]; then
    fail "GRISTMILL_NOTARY_PROFILE needs GRISTMILL_SIGN_IDENTITY: Apple notarizes Developer ID-signed apps only"
fi
if [ -n "$IDENTITY" ]; then
    identities="$(security find-identity -v -p codesigning)"
    case "$identities" in
        *"$IDENTITY"*) ;;
        *) fail "no valid code-signing identity \"$IDENTITY\" in the keychain (security find-identity -v -p codesigning)" ;;
    esac
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
    || fail "$PYTHON is older than Python 3.11 (set PYTHON=/path/to/python3.11)"

# 1. Build and self-test the app.
"$PYTHON" packaging/build.py --self-test
[ -x "$MAIN" ] || fail "build.py did not make $MAIN"
VERSION="$("$VENV_PYTHON" -c 'import engine; print(engine.__version__)')"
ARCH="$("$VENV_PYTHON" -c 'import platform; print(platform.machine())')"
DMG="$BUILD/Gristmill-$VERSION-macos-$ARCH.dmg"
log "Gristmill $VERSION for $ARCH"

sign() {  # sign PATH [codesign options...]: Developer ID, hardened runtime, secure timestamp
    local target="$1"
    shift
    codesign --force --timestamp --options runtime --sign "$IDENTITY" "$@" "$target"
}

framework_binary() {  # X.framework/X, X.framework/Versions/V/X: signed with the framework itself
    local path="$1" name
    name="$(basename "$path")"
    case "$path" in
        */"$name".framework/"$name" | */"$name".framework/Versions/*/"$name") return 0 ;;
    esac
    return 1
}

json_field() {  # json_field NAME < JSON: one top-level field of a JSON object
    "$VENV_PYTHON" -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}

notarize() {  # notarize FILE: submit to Apple's notary service, wait, fail unless Accepted
    local file="$1" result status id
    log "notarizing $(basename "$file") (usually a few minutes)"
    # notarytool exits 0 even when the submission is Invalid: read the status it reports.
    result="$(xcrun notarytool submit "$file" --keychain-profile "$NOTARY_PROFILE" --wait \
        --output-format json)" || fail "notarytool submit $file"
    status="$(printf '%s' "$result" | json_field status)"
    id="$(printf '%s' "$result" | json_field id)"
    if [ "$status" != "Accepted" ]; then
        log "notarization of $(basename "$file") ended as '$status'; Apple's log:"
        xcrun notarytool log "$id" --keychain-profile "$NOTARY_PROFILE" >&2 || true
        fail "notarization of $file"
    fi
    log "notarized $(basename "$file") (submission $id)"
}

# 2. Sign the app.
if [ -n "$IDENTITY" ]; then
    log "signing the code inside Gristmill.app as \"$IDENTITY\""
    # a. Every Mach-O file (libraries, Python extension modules, any helper program), except
    #    the frameworks' own binaries and the app's main program, which come after. Libraries
    #    get no entitlements (only programs use them); a helper program gets the app's.
    count=0
    while IFS= read -r -d '' file; do
        if [ "$file" = "$MAIN" ] || framework_binary "$file"; then
            continue
        fi
        kind="$(file -b "$file")"
        case "$kind" in
            Mach-O*executable*) sign "$file" --entitlements "$ENTITLEMENTS" ;;
            Mach-O*) sign "$file" ;;
            *) continue ;;
        esac
        count=$((count + 1))
    done < <(find "$APP/Contents" -type f -print0)
    log "signed $count Mach-O files"
    # b. The frameworks (Qt's, Python's), deepest first, each as a bundle.
    while IFS= read -r framework; do
        sign "$framework"
    done < <(find "$APP/Contents" -type d -name '*.framework' \
        | awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2-)
    # c. The app: its main program with the entitlements, and the seal over everything.
    sign "$APP" --entitlements "$ENTITLEMENTS"
else
    log "GRISTMILL_SIGN_IDENTITY is not set: ad-hoc signature only (not for distribution)"
    # build.py added Contents/MacOS/gristmill after PyInstaller sealed the app: seal it again,
    # or macOS would call the downloaded app damaged instead of asking to allow it.
    codesign --force --sign - "$APP"
fi
codesign --verify --deep --strict --verbose=2 "$APP"

if [ -n "$IDENTITY" ]; then
    # The hardened runtime can stop what ran unsigned (memory, library loading): check again.
    log "self-test of the signed app"
    QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" "$MAIN" --self-test
    "$APP/Contents/MacOS/gristmill" --version
fi

# 3. Notarize the app and staple its ticket.
if [ -n "$NOTARY_PROFILE" ]; then
    ZIP="$BUILD/Gristmill-$VERSION-macos-$ARCH-notarize.zip"
    rm -f "$ZIP"
    ditto -c -k --keepParent "$APP" "$ZIP"
    notarize "$ZIP"
    rm -f "$ZIP"
    xcrun stapler staple "$APP"
    xcrun stapler validate "$APP"
    spctl --assess --type execute --verbose=2 "$APP"
elif [ -n "$IDENTITY" ]; then
    log "GRISTMILL_NOTARY_PROFILE is not set: not notarized (Gatekeeper will refuse a downloaded copy)"
fi

# 4. The disk image.
STAGE="$BUILD/dmg-staging"
rm -rf "$STAGE"
mkdir -p "$STAGE"
ditto "$APP" "$STAGE/Gristmill.app"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
log "making $(basename "$DMG")"
# hdiutil sometimes fails with "Resource busy" right after a copy: try a few times.
attempt=1
until hdiutil create -volname "Gristmill $VERSION" -srcfolder "$STAGE" -fs HFS+ \
        -format UDZO -ov "$DMG"; do
    [ "$attempt" -lt 3 ] || fail "hdiutil create $DMG"
    attempt=$((attempt + 1))
    sleep 5
done
rm -rf "$STAGE"

if [ -n "$IDENTITY" ]; then
    codesign --force --timestamp --sign "$IDENTITY" "$DMG"
    codesign --verify --verbose=2 "$DMG"
fi
if [ -n "$NOTARY_PROFILE" ]; then
    notarize "$DMG"
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
fi

log "built $DMG ($(du -h "$DMG" | cut -f1))"
