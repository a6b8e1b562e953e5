"""The local engine's command language: text in, a list of typed steps out (no OCR here).

Why a language and not "understanding": the engine is a deterministic helper. A task is a
short script a person can read, and every step either maps to exactly one action grounded on
text visible on the screen, or is refused with a message saying why. Nothing is guessed.

Grammar (keywords are case-insensitive; steps are separated by new lines, ``;`` or the word
``then``; text in double quotes may contain any of those)::

    click|double click|triple click|right click <text>
    type "<text>"                  (into the focused field)
    type "<text>" into <text>      (click the field named by a label or placeholder, then type)
    press <key>[+<key>…]           (e.g. enter, ctrl+c, ctrl+shift+t)
    scroll up|down|left|right [N] [on <text>]
    drag <text> to <text>
    go to <url>
    wait [seconds]
    check "<text>"

A ``type … into`` command expands to two steps (a click on the field, then the typing), so the
plan the engine walks through is a flat list of one-action steps.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from console_app.core.keys import UnknownKeyError, canonical_chord, split_chord

MAX_STEPS = 1000  # room for soak runs (the bench runs 500 steps), still a bound on one plan
MAX_SCROLL_NOTCHES = 50
MAX_WAIT_SECONDS = 60.0
DEFAULT_SCROLL_NOTCHES = 3
DEFAULT_WAIT_SECONDS = 1.0

_OPEN_QUOTES = '"“”„'
_CLOSE_QUOTES = '"”“'

LANGUAGE_HELP = """\
The local engine is a deterministic instruction follower, not an AI model. It understands \
these commands (separate steps with new lines, ";" or "then"; put text in double quotes when \
it contains those words or characters):
  click <text> | double click <text> | triple click <text> | right click <text>
  type "<text>"                    types into the focused field
  type "<text>" into <field>       clicks the field (its label or placeholder), then types
  press <key>[+<key>…]             e.g. press enter, press ctrl+c
  scroll up|down|left|right [N] [on <text>]   N notches (default 3)
  drag <text> to <text>
  go to <url>
  wait [seconds]                   default 1, at most 60
  check "<text>"                   succeeds if the text is on the screen, fails if not
Example: click "File" then click "Save as"; type "report.txt" into "File name"; press enter"""


class CommandError(ValueError):
    """A command the language does not contain, or one with a bad argument."""


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str = Field(description="the command as the user wrote it")


PointerAction = Literal["click", "double_click", "triple_click", "right_click"]
Direction = Literal["up", "down", "left", "right"]


class PointerStep(_Step):
    kind: Literal["pointer"] = "pointer"
    action: PointerAction
    target: str


class FocusFieldStep(_Step):
    """First half of ``type "…" into <field>``: click the field named by ``target``."""

    kind: Literal["focus_field"] = "focus_field"
    target: str


class TypeStep(_Step):
    kind: Literal["type"] = "type"
    text: str


class PressStep(_Step):
    kind: Literal["press"] = "press"
    keys: list[str]


class ScrollStep(_Step):
    kind: Literal["scroll"] = "scroll"
    direction: Direction
    notches: int = Field(ge=1, le=MAX_SCROLL_NOTCHES)
    target: str | None = None


class DragStep(_Step):
    kind: Literal["drag"] = "drag"
    start: str
    end: str


class NavigateStep(_Step):
    kind: Literal["navigate"] = "navigate"
    url: str


class WaitStep(_Step):
    kind: Literal["wait"] = "wait"
    seconds: float = Field(ge=0, le=MAX_WAIT_SECONDS)


class CheckStep(_Step):
    kind: Literal["check"] = "check"
    text: str


Step = Annotated[
    PointerStep
    | FocusFieldStep
    | TypeStep
    | PressStep
    | ScrollStep
    | DragStep
    | NavigateStep
    | WaitStep
    | CheckStep,
    Field(discriminator="kind"),
]


def needs_screen(step: Step) -> bool:
    """Whether grounding the step needs a screenshot (anything that names on-screen text)."""
    if isinstance(step, ScrollStep):
        return step.target is not None
    return isinstance(step, PointerStep | FocusFieldStep | DragStep | CheckStep)


# ---------------------------------------------------------------------- splitting


def split_commands(text: str) -> list[str]:
    """Split a task into commands on new lines, ``;`` and the word ``then`` outside quotes.

    Leading list markers (``1.``, ``-``, ``*``), a leading ``and`` and a trailing ``,`` or
    ``.`` are dropped; empty lines and ``#`` comments are skipped.
    """
    parts: list[str] = []
    buf: list[str] = []
    in_quote = False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_quote:
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
                buf.append(text[i : i + 2])
                i += 2
                continue
            if ch in _CLOSE_QUOTES:
                in_quote = False
            buf.append(ch)
            i += 1
            continue
        if ch in _OPEN_QUOTES:
            in_quote = True
        elif ch in "\n;\r":
            parts.append("".join(buf))
            buf = []
            i += 1
            continue
        elif _then_at(text, i):
            parts.append("".join(buf))
            buf = []
            i += 4
            continue
        buf.append(ch)
        i += 1
    if in_quote:
        raise CommandError(f'a quote is not closed in "{"".join(buf).strip()}"')
    parts.append("".join(buf))
    return [cleaned for part in parts if (cleaned := _clean(part))]


def _then_at(text: str, i: int) -> bool:
    if text[i : i + 4].lower() != "then":
        return False
    before_ok = i == 0 or text[i - 1].isspace() or text[i - 1] == ","
    after = text[i + 4 : i + 5]
    return before_ok and (after == "" or after.isspace())


_LIST_MARKER = re.compile(r"^(?:\d+[.)]\s+|[-*•]\s+|and\s+)", re.IGNORECASE)


def _clean(part: str) -> str:
    part = part.strip()
    if not part or part.startswith("#"):
        return ""
    part = _LIST_MARKER.sub("", part, count=1).strip()
    # A sentence's full stop or comma goes, but not a lone "." or "," that is the target
    # ("click ." presses a calculator's decimal point).
    if len(part) > 1 and part[-1] in ",." and not part[-2].isspace() and part[-2] not in ",.":
        part = part[:-1].rstrip()
    return part


# ---------------------------------------------------------------------- quoted text


def _read_quoted(text: str) -> tuple[str, str] | None:
    """If ``text`` starts with a quoted string: (its unescaped content, the rest)."""
    if not text or text[0] not in _OPEN_QUOTES:
        return None
    out: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
            continue
        if ch in _CLOSE_QUOTES:
            return "".join(out), text[i + 1 :]
        out.append(ch)
        i += 1
    raise CommandError(f"a quote is not closed in {text!r}")


def _target(text: str, what: str, command: str) -> str:
    """A target: one quoted string, or the unquoted rest of the command."""
    text = text.strip()
    quoted = _read_quoted(text)
    if quoted is not None:
        value, rest = quoted
        if rest.strip():
            raise CommandError(
                f"unexpected {rest.strip()!r} after the quoted {what} in {command!r}"
            )
    else:
        value = text
    value = " ".join(value.split())
    if not value:
        raise CommandError(f"{command!r} needs {what}")
    return value


# ---------------------------------------------------------------------- commands

_POINTER = re.compile(
    r"^(?:(?P<kind>double|triple|right|left)[\s-]*)?click(?:\s+(?P<rest>.*))?$",
    re.IGNORECASE | re.S,
)
_SCROLL = re.compile(
    r"^scroll\s+(?P<dir>up|down|left|right)\b\s*(?P<n>\d+)?\s*(?:(?:notch|notches|times)\b\s*)?"
    r"(?:on\s+(?P<target>.+))?$",
    re.IGNORECASE | re.S,
)
_WAIT = re.compile(
    r"^wait(?:\s+(?:for\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)?)?$", re.IGNORECASE
)
_GOTO = re.compile(r"^(?:go\s*to|navigate\s+to)\s+(?P<url>.+)$", re.IGNORECASE | re.S)
_POINTER_ACTIONS: dict[str, PointerAction] = {
    "": "click",
    "left": "click",
    "double": "double_click",
    "triple": "triple_click",
    "right": "right_click",
}
_DIRECTIONS: dict[str, Direction] = {"up": "up", "down": "down", "left": "left", "right": "right"}
_WORD = re.compile(r"^(?P<verb>[a-z]+)\b\s*(?P<rest>.*)$", re.IGNORECASE | re.S)


def parse_command(command: str) -> list[Step]:
    """One command → its steps (two for ``type … into``). Raises `CommandError`."""
    command = command.strip()
    if m := _POINTER.match(command):
        kind = (m.group("kind") or "").lower()
        action = _POINTER_ACTIONS[kind]
        target = _target(m.group("rest") or "", "the text to click", command)
        return [PointerStep(source=command, action=action, target=target)]
    if m := _SCROLL.match(command):
        notches = int(m.group("n")) if m.group("n") else DEFAULT_SCROLL_NOTCHES
        if not 1 <= notches <= MAX_SCROLL_NOTCHES:
            raise CommandError(f"scroll takes 1 to {MAX_SCROLL_NOTCHES} notches in {command!r}")
        raw_target = m.group("target")
        scroll_on = _target(raw_target, "the text to scroll on", command) if raw_target else None
        direction = _DIRECTIONS[m.group("dir").lower()]
        return [ScrollStep(source=command, direction=direction, notches=notches, target=scroll_on)]
    if m := _WAIT.match(command):
        seconds = float(m.group("n")) if m.group("n") else DEFAULT_WAIT_SECONDS
        if seconds > MAX_WAIT_SECONDS:
            raise CommandError(f"wait is at most {MAX_WAIT_SECONDS:.0f} seconds in {command!r}")
        return [WaitStep(source=command, seconds=seconds)]
    if m := _GOTO.match(command):
        url = _target(m.group("url"), "a URL", command)
        if any(ch.isspace() for ch in url):
            raise CommandError(f"a URL cannot contain spaces in {command!r}")
        return [NavigateStep(source=command, url=url)]
    m = _WORD.match(command)
    verb = m.group("verb").lower() if m else ""
    rest = m.group("rest") if m else ""
    if verb == "type":
        return _parse_type(rest, command)
    if verb == "press":
        return [PressStep(source=command, keys=_parse_keys(rest, command))]
    if verb == "drag":
        start, end = _parse_drag(rest, command)
        return [DragStep(source=command, start=start, end=end)]
    if verb == "check":
        return [CheckStep(source=command, text=_target(rest, "the text to look for", command))]
    raise CommandError(f"unknown command {command!r}")


def _parse_type(rest: str, command: str) -> list[Step]:
    quoted = _read_quoted(rest.strip())
    if quoted is None:
        raise CommandError(f'put the text to type in double quotes: type "…" (in {command!r})')
    text, after = quoted
    if not text:
        raise CommandError(f"there is nothing to type in {command!r}")
    after = after.strip()
    if not after:
        return [TypeStep(source=command, text=text)]
    m = re.match(r"^into\s+(?P<field>.+)$", after, re.IGNORECASE | re.S)
    if m is None:
        raise CommandError(f'expected "into <field>" after the text in {command!r}')
    field = _target(m.group("field"), "a field", command)
    return [FocusFieldStep(source=command, target=field), TypeStep(source=command, text=text)]


def _parse_keys(rest: str, command: str) -> list[str]:
    try:
        names = split_chord(rest.strip())
        if not names:
            raise CommandError(f"{command!r} needs a key, e.g. press enter or press ctrl+c")
        return canonical_chord(names)
    except UnknownKeyError as exc:
        raise CommandError(f"unknown key {exc.key!r} in {command!r}") from None


def _parse_drag(rest: str, command: str) -> tuple[str, str]:
    rest = rest.strip()
    quoted = _read_quoted(rest)
    if quoted is not None:
        start, after = quoted
        m = re.match(r"^\s+to\s+(?P<end>.+)$", after, re.IGNORECASE | re.S)
        if m is None:
            raise CommandError(f'expected "to <text>" after the quoted text in {command!r}')
        end_raw = m.group("end")
    else:
        parts = re.split(r"\s+to\s+", rest, maxsplit=1, flags=re.IGNORECASE)
        if len(parts) != 2:
            raise CommandError(f"write drag <text> to <text> (in {command!r})")
        start, end_raw = parts
    start = " ".join(start.split())
    if not start:
        raise CommandError(f"{command!r} needs the text to drag from")
    return start, _target(end_raw, "the text to drop on", command)


def parse_task(text: str) -> list[Step]:
    """A whole task → its flat list of steps. Raises `CommandError` naming the bad command."""
    commands = split_commands(text)
    if not commands:
        raise CommandError("the task is empty")
    steps: list[Step] = []
    for number, command in enumerate(commands, start=1):
        try:
            steps.extend(parse_command(command))
        except CommandError as exc:
            raise CommandError(f"command {number}: {exc}") from None
    if len(steps) > MAX_STEPS:
        raise CommandError(f"a task can have at most {MAX_STEPS} steps (this one has {len(steps)})")
    return steps


def try_parse_task(text: str) -> list[Step] | None:
    """The steps if every command of ``text`` is in the language, else ``None``."""
    try:
        return parse_task(text)
    except CommandError:
        return None
