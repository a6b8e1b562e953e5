"""Sets of screen rectangles: what is left of a window once the windows above it are cut away,
and everything on a monitor *except* some windows.

Why: the privacy rules mask a window only where it is visible (a password manager hidden behind
the browser the agent works in must not black out the browser), and "only this app" masks the
complement of the chosen windows. Masks and forbidden areas are lists of rectangles everywhere
in the package (``capture.encode.apply_mask``, the executor's ``forbidden``), so regions are
represented the same way: disjoint, half-open `Rect` lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from console_app.core.geometry import Rect


def subtract(rect: Rect, holes: Iterable[Rect]) -> list[Rect]:
    """``rect`` minus every hole, as disjoint rectangles (at most 4 per hole and piece)."""
    pieces = [] if rect.is_empty else [rect]
    for hole in holes:
        if not pieces:
            break
        next_pieces: list[Rect] = []
        for piece in pieces:
            next_pieces.extend(_cut(piece, hole))
        pieces = next_pieces
    return pieces


def _cut(piece: Rect, hole: Rect) -> list[Rect]:
    overlap = piece.intersect(hole)
    if overlap is None:
        return [piece]
    out = []
    if overlap.top > piece.top:  # the band above the hole, full width
        out.append(Rect(piece.left, piece.top, piece.width, overlap.top - piece.top))
    if overlap.bottom < piece.bottom:  # the band below, full width
        out.append(Rect(piece.left, overlap.bottom, piece.width, piece.bottom - overlap.bottom))
    if overlap.left > piece.left:  # left of the hole, in the hole's rows
        out.append(Rect(piece.left, overlap.top, overlap.left - piece.left, overlap.height))
    if overlap.right < piece.right:  # right of the hole, in the hole's rows
        out.append(Rect(overlap.right, overlap.top, piece.right - overlap.right, overlap.height))
    return out


def union_minus(area: Rect, keep: Iterable[Rect]) -> list[Rect]:
    """Everything of ``area`` that no rectangle of ``keep`` covers (the complement)."""
    return subtract(area, list(keep))


def clip_all(rects: Iterable[Rect], area: Rect) -> list[Rect]:
    """The parts of ``rects`` inside ``area`` (empty overlaps dropped)."""
    out = []
    for rect in rects:
        clipped = rect.intersect(area)
        if clipped is not None:
            out.append(clipped)
    return out


def area_of(rects: Iterable[Rect]) -> int:
    """Total area of *disjoint* rectangles."""
    return sum(r.width * r.height for r in rects if not r.is_empty)


def contains_point(rects: Iterable[Rect], x: float, y: float) -> bool:
    return any(r.contains(x, y) for r in rects)
