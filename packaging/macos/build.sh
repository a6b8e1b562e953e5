#!/usr/bin/env bash
# Build the macOS app and disk image: "dist/Operator Console.app" and
# dist/operator-console-<version>.dmg (drag-to-Applications layout).
# NOT VERIFIED in this project's CI (see .github/workflows/build-installers.yml, which runs it
# on macos-latest). Run from the repository root in a venv with the project installed:
#   python -m pip install -e ".[package]"
#   packaging/macos/build.sh
# Signing: PyInstaller signs ad hoc (enough to run on the build machine and on Apple silicon
# after the quarantine prompt). Distribution needs a Developer ID signature and notarization:
# set CODESIGN_IDENTITY to sign with it (notarytool is left to the release process).
set -euo pipefail
cd "$(dirname "$0")/../.."

version="$(python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")"
echo "build: Operator Console $version for macOS ($(uname -m))"

python -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/operator-console.spec
app="dist/Operator Console.app"
said="$("$app/Contents/MacOS/console-app" --version)"
[ "$said" = "console-app $version" ] || { echo "the app says '$said'" >&2; exit 1; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$app"
fi

staging="build/dmg"
rm -rf "$staging" && mkdir -p "$staging"
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
dmg="dist/operator-console-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "Operator Console $version" -srcfolder "$staging" -ov -format UDZO "$dmg"
ls -l "$dmg"
