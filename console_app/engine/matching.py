"""The rules that decide whether text on the screen *is* the text a step names.

A supervision tool must never report a success that did not happen, so these rules forgive
only what OCR gets wrong in *letters* and never a different number or name:

* **Normalisation** (both sides, before anything is compared): Unicode NFKC (full-width
  ``（`` is ``(``, ``²`` is ``2``), lower case, curly quotes straight, runs of spaces one space;
  ``− – —`` are ``-``, ``✕ ✖`` are ``×``, ``✔`` is ``✓``, ``<-``/``◀`` are ``←``, ``->``/``▶``
  are ``→``. A *lone* symbol also matches the other spelling of the same key (`same_key`):
  ``×``/``*``, ``÷``/``/``, ``⌫``/``←``.
* **OCR confusions** (`fold_confusions`): inside a token that contains a digit, a letter ``o``
  touching a digit is read as ``0``, and ``l`` or ``i`` touching a digit as ``1`` unless it
  ends the token (``1O3`` is ``103``, ``report_l37`` is ``report_137``; ``47l`` and ``47|``
  stay: that is a text cursor after ``47``). Nothing else: no digit is ever read as another
  digit, so ``047`` never equals ``007``.
* **Protected tokens** (`protected`): a token (a run of non-space characters, stripped of
  punctuation at its ends) that contains a digit, or one of ``_ . / \\ @ # + =`` between
  other characters (file names, paths, e-mail addresses, ids), must be equal — fuzzy matching
  never applies to it, and a match may not cut it in two.
* **Fuzzy** (`compare_tokens`, ``click`` and friends only — never ``check``): the same number
  of tokens, each either equal or a letters-only word of 4+ characters that differs by at most
  1 edit (words of 4–5 letters) or 2 edits (6+ letters; an edit is a changed, missing, extra or
  swapped letter), where missing or extra letters never sit at the start or the end of the
  word (``Save`` is not ``Saved``), and the whole is at least `FUZZY_THRESHOLD` similar.

Every refusal comes with a reason (`Verdict.reason`), which the engine reports as "why the
closest text was not taken".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

FUZZY_THRESHOLD = 0.80
MIN_FUZZY_WORD = 4

_CHAR_MAP = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "−": "-",
        "–": "-",
        "—": "-",
        "‐": "-",
        "✕": "×",
        "✖": "×",
        "✔": "✓",
        "◀": "←",
        "▶": "→",
    }
)
# Lone symbols that label the same key: "click ×" takes a button labelled "*", and back.
_SAME_KEY = ({"×", "*"}, {"÷", "/"}, {"←", "⌫"})
# A lone letter a recogniser reads for a key's glyph: a *button* labelled with it is taken for
# that key only when no label spelled with the glyph itself is on the screen (the letter "x"
# is still only "x", and text outside buttons never counts).
READ_AS: dict[str, frozenset[str]] = {
    "×": frozenset({"x"}),
    "*": frozenset({"x"}),
    "0": frozenset({"o"}),
    "1": frozenset({"l", "|"}),
}
# Only a whole token of this spelling is an arrow: "<-" and "->" (as calculators label keys).
_ARROW_TOKENS = {"<-": "←", "->": "→"}
EDGE_PUNCT = " \t:;,.!?*•·|>«»\"'()[]{}"
_IDENT_CHARS = set("_./\\@#+=")


def normalize(text: str) -> str:
    """Compare form: NFKC, lower case, same-key symbols unified, OCR confusions folded."""
    return normalize_cased(text).lower()


def normalize_cased(text: str) -> str:
    """`normalize` without the lower-casing (to see where a capital starts a joined word)."""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    tokens = [_ARROW_TOKENS.get(tok, tok) for tok in text.split()]
    return " ".join(fold_confusions(tok) for tok in tokens)


def fold_confusions(token: str) -> str:
    """In a token with a digit: ``o`` touching a digit → ``0``; ``l``/``i`` touching a digit
    and followed by something → ``1``. A trailing ``l``/``i`` and any ``|`` stay: after a
    number they are a text cursor or a separator far more often than a ``1``."""
    if not any(ch.isdigit() for ch in token):
        return token
    chars = list(token)
    changed = True
    while changed:
        changed = False
        for i, ch in enumerate(chars):
            low = ch.lower()
            if low not in "oli" or (low != "o" and i == len(chars) - 1):
                continue
            left = chars[i - 1] if i > 0 else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            if left.isdigit() or right.isdigit():
                chars[i] = "0" if low == "o" else "1"
                changed = True
    return "".join(chars)


def key(text: str) -> str:
    """The normalised text without punctuation around it; a text that is *only* punctuation
    (``+``, ``=``, ``+/-``) keeps it."""
    norm = normalize(text)
    stripped = norm.strip(EDGE_PUNCT)
    return stripped or norm.strip()


def same_key(a: str, b: str) -> bool:
    """Two keys (see `key`) that are equal, or lone symbols labelling the same key."""
    return a == b or any(a in group and b in group for group in _SAME_KEY)


def strip_token(token: str) -> str:
    return token.strip(EDGE_PUNCT) or token


def protected(token: str) -> bool:
    """A number or an identifier: compared exactly, never fuzzily, never cut in two."""
    core = strip_token(token)
    if any(ch.isdigit() for ch in core):
        return True
    return any(ch in _IDENT_CHARS for ch in core[1:-1]) and any(ch.isalnum() for ch in core)


@dataclass(frozen=True)
class Verdict:
    """Whether a run of screen tokens may stand for the target, and why (not)."""

    ok: bool
    edits: int
    similarity: float
    reason: str = ""


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def compare_tokens(target: list[str], screen: list[str]) -> Verdict:
    """The fuzzy rule for ``target`` tokens against as many ``screen`` tokens (normalised)."""
    sim = similarity(" ".join(target), " ".join(screen))
    if len(target) != len(screen):
        return Verdict(False, 0, sim, f"it has {len(screen)} word(s), not {len(target)}")
    edits = 0
    for want, seen in zip(target, screen, strict=True):
        want, seen = strip_token(want), strip_token(seen)
        if want == seen:
            continue
        reason = _token_refusal(want, seen)
        if reason:
            return Verdict(False, 0, sim, reason)
        edits += osa_distance(want, seen)
    if sim < FUZZY_THRESHOLD:
        return Verdict(False, edits, sim, f"similarity {sim:.2f} is below {FUZZY_THRESHOLD:.2f}")
    return Verdict(True, edits, sim)


def _token_refusal(want: str, seen: str) -> str:
    """Why ``seen`` cannot be an OCR misreading of ``want`` (empty: it can)."""
    want_digits, seen_digits = _digits(want), _digits(seen)
    if want_digits or seen_digits:
        if want_digits != seen_digits:
            shown = seen_digits or "no number"
            return f"the number differs: {want_digits or 'no number'} asked, {shown} on the screen"
        return f'"{want}" contains a number and must match exactly, the screen shows "{seen}"'
    if protected(want) or protected(seen):
        return f'an identifier must match exactly: "{want}" asked, "{seen}" on the screen'
    if len(want) < MIN_FUZZY_WORD:
        return f'short words must match exactly: "{want}" asked, "{seen}" on the screen'
    if len(want) != len(seen) and (want[0] != seen[0] or want[-1] != seen[-1]):
        return f'"{seen}" is a different word from "{want}": letters differ at its start or end'
    allowed = 1 if len(want) <= 5 else 2
    distance = osa_distance(want, seen)
    if distance > allowed:
        return (
            f'"{seen}" differs from "{want}" in {distance} letters (at most {allowed} '
            "can be OCR noise)"
        )
    return ""


def _digits(token: str) -> str:
    return " ".join(re.findall(r"\d+", token))


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
