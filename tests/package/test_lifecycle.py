"""What users do after the first install: upgrade over the previous release, start the console
for the first time, remove it, purge it. In a clean Debian root of its own (not the one of
test_deb.py), in the order of the story:

1. apt installs the **previous release's** .deb (built from git, see previous.py), and that
   version creates user data the way users do: two supervised runs (``console-app run`` on the
   local engine and on a second, OpenAI-compatible profile whose API key is in the Secret
   Service keyring), their responses and screenshots, and a settings file with that profile.
2. apt installs the new .deb over it (an upgrade: "Unpacking … over (<previous>)"). The new
   version lists the same runs and responses, exports a run with its screenshots, leaves the
   settings file byte-for-byte alone, and runs on the second profile, which only works if it
   reads the profile from the settings and the key from the keyring.
3. First start of the window for a user with no data: shown within `FIRST_START_BUDGET_S` of
   launch (polled from outside with xdotool), and the local engine (which loads the OCR
   models) starts only after the window is shown (the console's log).
4. ``apt-get remove`` leaves no file under /opt or /usr, no "config-files" remnant (the package
   has no conffiles, so remove already equals purge) and keeps the user's data; the
   purge-your-data commands of docs/installing.md then remove the data and the key.

What this proves and what not: the history schema is the same (v2) in both releases, so the
upgrade exercises "open an existing v2 database" — the v1 → v2 migration itself is tested in
tests/unit/history. The keyring entry is written with ``secret-tool`` using the attributes the
console's keyring library writes (service, username, application), because no command of the
previous release stores a key (only its settings dialog does).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.package.clean_root import NOTES, CleanRoot, host_suite
from tests.package.installer import ROOT, SCREEN, free_display, version, xvfb_run
from tests.package.previous import PREVIOUS_RELEASE, previous_deb

pytestmark = [pytest.mark.package, pytest.mark.timeout(1200)]

FIRST_START_BUDGET_S = 3.0
TOKEN = "lab-engine-token-0123456789abcdef"  # a test engine's token, nothing real
PORT = 8791
DATA = "/root/.local/share/operator-console"
CONFIG = "/root/.config/operator-console"
SETTINGS = {
    "schema_version": 1,
    "active_profile": "local",
    "profiles": [
        {"name": "local", "kind": "local"},
        {
            "name": "lab",
            "kind": "openai",
            "base_url": f"http://127.0.0.1:{PORT}",
            "model": "local",
            "max_steps": 7,
        },
    ],
}


# One X server and one D-Bus session with an unlocked Secret Service around a script.
# stderr (D-Bus daemon chatter included) goes to a file, shown only when the script fails, so
# the blocks the tests parse from stdout hold nothing else.
# "-retro" gives the root window X's stipple instead of flat black: a desktop with wallpaper.
# The console never sends a capture that is one flat colour (a screen it cannot see).
def session_command() -> str:
    return (
        f"{xvfb_run(SCREEN + ' -retro')} dbus-run-session -- sh -eu -c "
        "'printf secret | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
        ". /tmp/s.sh' 2>/tmp/session.err"
        " || { status=$?; cat /tmp/session.err /tmp/xvfb.err 2>/dev/null; exit $status; }"
    )


ENGINE_UP = (
    f"CONSOLE_ENGINE_TOKEN={TOKEN} console-app engine --port {PORT} --ready-file /tmp/ready"
    " --data-dir /tmp/lab-engine >/tmp/lab-engine.log 2>&1 &\n"
    "for i in $(seq 600); do [ -s /tmp/ready ] && break; sleep 0.1; done\n"
    "[ -s /tmp/ready ] || { cat /tmp/lab-engine.log; exit 1; }\n"
)
ENGINE_DOWN = "kill $! 2>/dev/null || true; rm -f /tmp/ready\n"


def in_session(root: CleanRoot, script: str, timeout: float = 600) -> str:
    (root.path / "tmp" / "s.sh").write_text(script)
    result = root.run(session_command() + "\n", timeout=timeout)
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


@pytest.fixture(scope="module")
def old_root(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanRoot]:
    started = time.perf_counter()
    previous, previous_version, built = previous_deb()
    NOTES.append(
        f"previous release {PREVIOUS_RELEASE[:12]} ({previous_version}): "
        f"{previous.stat().st_size / 2**20:.0f} MiB .deb, "
        + (f"built from git in {built:.0f} s" if built else "cached build")
    )
    assert previous_version != version(), "the previous release must have an older version"
    suite = host_suite()
    root = CleanRoot.create(tmp_path_factory.mktemp("upgrade-root") / suite, suite)
    root.copy_in(previous, f"/tmp/{previous.name}")
    root.copy_in(deb, f"/tmp/{deb.name}")
    result = root.run(
        "apt-get update -q\ncd /tmp\n"
        f"apt-get install -y -q --no-install-recommends ./{previous.name} xvfb xauth"
        " dbus-daemon gnome-keyring libsecret-tools\n"
        "console-app --version\n",
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    assert f"console-app {previous_version}" in result.stdout
    NOTES.append(f"previous release installed in {time.perf_counter() - started:.0f} s")
    try:
        yield root
    finally:
        root.remove()


def listing(output: str, marker: str) -> list[dict[str, object]]:
    value = json.loads(block(output, marker))
    assert isinstance(value, list), value
    return value


SNAPSHOT = (
    "echo RUNS-BEGIN; console-app runs list --json 2>>/tmp/cli.err; echo RUNS-END\n"
    "echo RESPONSES-BEGIN; console-app responses list --json 2>>/tmp/cli.err; echo RESPONSES-END\n"
    f"echo FILES-BEGIN; (cd {DATA} && find screenshots -type f | sort); echo FILES-END\n"
    f"sha256sum {CONFIG}/settings.json\n"
)


def block(output: str, marker: str) -> str:
    """The lines printed between ``<marker>-BEGIN`` and ``<marker>-END``."""
    match = re.search(rf"^{marker}-BEGIN\n(.*?)^{marker}-END$", output, re.MULTILINE | re.DOTALL)
    assert match, f"{marker} missing:\n{output[-3000:]}"
    return match.group(1)


def test_upgrade_keeps_history_settings_and_keyring(old_root: CleanRoot, deb: Path) -> None:
    settings = old_root.path / CONFIG.lstrip("/") / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(SETTINGS, indent=2) + "\n")
    before = in_session(
        old_root,
        f"printf %s {TOKEN} | secret-tool store --label='Operator Console lab' service "
        "operator-console username lab application 'Python keyring library'\n"
        + ENGINE_UP
        + "cd /root\n"
        "console-app run --task 'wait 0; wait 0' --approve auto --json >/tmp/run1.log 2>&1"
        " || { cat /tmp/run1.log; exit 1; }\n"
        "console-app run --profile lab --task 'wait 0' --approve auto --json >/tmp/run2.log 2>&1"
        " || { cat /tmp/run2.log; exit 1; }\n" + SNAPSHOT + ENGINE_DOWN,
    )
    runs, responses = listing(before, "RUNS"), listing(before, "RESPONSES")
    files = block(before, "FILES").split()
    assert len(runs) == 2, runs
    assert {run["profile"] for run in runs} == {"local", "lab"}, runs
    assert len(responses) >= 3 and files, (responses, files)
    settings_hash = re.search(r"^([0-9a-f]{64})  ", before, re.MULTILINE)
    assert settings_hash

    started = time.perf_counter()
    upgrade = old_root.run(
        f"cd /tmp\napt-get install -y -q --no-install-recommends ./{deb.name}\n"
        "console-app --version\n",
        timeout=900,
    )
    assert upgrade.returncode == 0, upgrade.stdout[-5000:]
    assert re.search(r"Unpacking operator-console \(\S+\) over \(\S+\)", upgrade.stdout), (
        upgrade.stdout[-3000:]
    )
    assert f"console-app {version()}" in upgrade.stdout
    seconds = time.perf_counter() - started
    NOTES.append(f"upgrade with apt over the previous release: {seconds:.0f} s")

    after = in_session(
        old_root,
        ENGINE_UP + "cd /root\n" + SNAPSHOT + f"console-app runs export {runs[0]['run_id']}"
        " --out /tmp/export --json\n"
        "ls /tmp/export\n"
        "console-app run --profile lab --task 'wait 0' --approve auto --json >/tmp/run3.log 2>&1"
        " || { cat /tmp/run3.log; exit 1; }\n"
        "echo RUN3-OK\n" + ENGINE_DOWN,
    )
    assert listing(after, "RUNS") == runs
    assert listing(after, "RESPONSES") == responses
    assert block(after, "FILES").split() == files
    assert settings_hash.group(1) in after, "the upgrade or the new version changed settings.json"
    assert f"{runs[0]['run_id']}.html" in after and f"{runs[0]['run_id']}.json" in after
    assert "RUN3-OK" in after  # the lab profile (settings) and its key (keyring) were read


def test_a_session_starts_over_a_stale_x_lock(old_root: CleanRoot) -> None:
    """A lock file left in the root by a killed Xvfb, naming a PID that still answers (here
    this test's own), must not stop the next session: CI once failed every later session of a
    root with "Xvfb failed to start" ("Server is already active")."""
    lock = old_root.path / "tmp" / f".X{free_display()}-lock"
    lock.write_text(f"{os.getpid():>10}\n")
    output = in_session(old_root, "echo SESSION-OK $DISPLAY\n")
    assert re.search(r"^SESSION-OK :\d+$", output, re.MULTILINE), output


def test_first_start_shows_the_window_before_the_engine_loads(old_root: CleanRoot) -> None:
    """Launch → window visible (xdotool, polled every 20 ms), twice, each a user's very first
    start (an empty home); the faster counts (the machine may be busy with other work)."""
    script = (
        "for n in 1 2; do\n"
        "  home=/root/first-$n; mkdir -p $home\n"
        "  start=$(date +%s%N)\n"
        "  HOME=$home console-app >/tmp/first-$n.log 2>&1 &\n"
        "  pid=$!\n"
        "  while ! xdotool search --onlyvisible --name '^Operator Console$' >/dev/null 2>&1;"
        " do\n"
        "    [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 60000 ] && break\n"
        "    kill -0 $pid 2>/dev/null || break\n"
        "    sleep 0.02\n"
        "  done\n"
        '  echo "SHOWN-$n $(( ($(date +%s%N) - start) / 1000000 ))"\n'
        "  log=$home/.local/state/operator-console/log/console.log\n"
        "  for i in $(seq 600); do grep -q 'local engine ready' $log 2>/dev/null && break;"
        " sleep 0.1; done\n"
        # A console that is gone before it is told to stop exited on its own: say how.
        "  kill $pid 2>/dev/null || echo GONE-$n; wait $pid && echo RC-$n-0 || echo RC-$n-$?\n"
        '  echo "OUT-$n-BEGIN"; tail -c 3000 /tmp/first-$n.log; echo "OUT-$n-END"\n'
        '  echo "LOG-$n-BEGIN"; cut -c1-200 $log; echo "LOG-$n-END"\n'
        "done\n"
    )
    output = in_session(old_root, script)
    assert "GONE-" not in output, f"the console exited before it was stopped:\n{output[-6000:]}"
    shown = [int(m) for m in re.findall(r"^SHOWN-\d (\d+)$", output, re.MULTILINE)]
    assert len(shown) == 2, output[-3000:]
    NOTES.append(f"first start, launch → window visible: {shown[0]} ms, {shown[1]} ms")
    for n in (1, 2):
        log = re.search(rf"LOG-{n}-BEGIN\n(.*?)LOG-{n}-END", output, re.DOTALL)
        assert log, output[-3000:]
        lines = log.group(1).splitlines()
        shown_at = [i for i, line in enumerate(lines) if "window shown" in line]
        engine_at = [i for i, line in enumerate(lines) if "starting the local engine" in line]
        assert shown_at and engine_at, log.group(1)
        assert shown_at[0] < engine_at[0], f"the engine started before the window:\n{log.group(1)}"
        assert any("local engine ready" in line for line in lines), log.group(1)
    assert min(shown) <= FIRST_START_BUDGET_S * 1000, f"window shown after {shown} ms"


def test_remove_and_purge_leave_nothing_in_the_system_and_keep_user_data(
    old_root: CleanRoot,
) -> None:
    docs = (ROOT / "docs" / "installing.md").read_text()
    purge = re.search(r"```sh\n# purge-user-data\n(.*?)```", docs, re.DOTALL)
    assert purge, "docs/installing.md lost its purge-your-data commands"
    script = (
        "dpkg -L operator-console | sort > /tmp/owned\n"
        "apt-get remove -y -q operator-console >/tmp/remove.log\n"
        # Every file the package owned is gone (folders such as /usr/share stay: shared).
        "echo LEFT-BEGIN\n"
        'while read -r p; do if [ -L "$p" ] || [ -f "$p" ]; then echo "$p"; fi; done </tmp/owned\n'
        "echo LEFT-END\n"
        "echo STRAY-BEGIN\n"
        # (/opt itself goes when the package was the only thing in it.)
        "for top in /opt /usr; do if [ -d $top ]; then find $top \\( -iname '*operator-console*'"
        " -o -name 'console-app*' \\) -print; fi; done\n"
        "echo STRAY-END\n"
        f"if [ -s {DATA}/history.sqlite3 ] && [ -s {CONFIG}/settings.json ]; then"
        " echo DATA-KEPT; fi\n"
        # No conffiles: after remove the package is gone, not left in "config-files" state
        # (apt then no longer knows the name); dpkg --purge has nothing left to do.
        "echo STATUS $(dpkg-query -W -f='${Status}' operator-console 2>&1 || true)\n"
        "dpkg --purge operator-console >/tmp/purge.log 2>&1\n"
        f"if [ -s {DATA}/history.sqlite3 ]; then echo DATA-KEPT-AFTER-PURGE; fi\n"
        "echo KEY-BEFORE $(secret-tool lookup service operator-console username lab)\n"
        + purge.group(1)
        + "echo KEY-AFTER $(secret-tool lookup service operator-console username lab || true)\n"
        "for d in /root/.local/share/operator-console /root/.config/operator-console"
        " /root/.local/state/operator-console /root/.cache/operator-console; do"
        ' if [ -e "$d" ]; then echo "STILL $d"; fi; done\n'
        "echo DONE\n"
    )
    output = in_session(old_root, script)
    assert block(output, "LEFT") == "", output
    assert block(output, "STRAY") == "", output
    assert "DATA-KEPT\n" in output and "DATA-KEPT-AFTER-PURGE" in output, output
    status = re.search(r"^STATUS (.*)$", output, re.MULTILINE)
    assert status and "config-files" not in status.group(1), output
    assert "install ok installed" not in status.group(1), output
    assert f"KEY-BEFORE {TOKEN}" in output, output
    assert re.search(r"^KEY-AFTER ?$", output, re.MULTILINE), output
    assert "STILL " not in output and "DONE" in output, output
