"""How a screen is split for detection, and how the pieces are joined again.

Detection runs on a fixed grid of overlapping tiles of the reduced image (`tiles`), each tile
cached by the hash of its own pixels: a screen where a dialog opened re-detects only the tiles
the dialog touches; a screen that did not change re-detects nothing. The grid depends only on
the image size, never on what changed, so a screen is always split the same way and a cold
read and a cached read give the same boxes.

A text line that crosses a tile border is seen by every tile it reaches: completely by a tile
whose margin holds it, cut at the edge by the others. `merge` joins the kernels of different
tiles that lie on the same text row and overlap (or touch), so a line is never cut in two and
never reported twice. Kernels of one tile are never joined (that is the detector's own call).
"""

from __future__ import annotations

from dataclasses import dataclass

from console_app.engine.ocr_models import Kernel

TILE_CORE = 192  # detection pixels (with the margins a tile is 256×256)
TILE_MARGIN = 32  # detection pixels on every inner side (taller text is joined by `merge`)
ROW_OVERLAP = 0.5  # two kernels are on one row when their heights overlap by this much
TOUCH = 1  # detection pixels: kernels this close along a row are one line


@dataclass(frozen=True)
class Tile:
    """A rectangle of the reduced image that detection runs on (``x0:x1``, ``y0:y1``)."""

    x0: int
    y0: int
    x1: int
    y1: int


def tiles(width: int, height: int, core: int = TILE_CORE, margin: int = TILE_MARGIN) -> list[Tile]:
    """Cores of ``core`` pixels on a fixed grid, each grown by ``margin`` (clipped to the
    image). The last row and column are as large as what is left."""
    result = []
    for y in range(0, height, core):
        for x in range(0, width, core):
            result.append(
                Tile(
                    max(0, x - margin),
                    max(0, y - margin),
                    min(width, x + core + margin),
                    min(height, y + core + margin),
                )
            )
    return result


def merge(found: list[tuple[Tile, list[Kernel]]]) -> list[Kernel]:
    """The kernels of all tiles in image coordinates, those of different tiles that overlap
    on one row joined (their union box, the best score)."""
    kernels: list[Kernel] = []
    owner: list[int] = []
    for index, (tile, tile_kernels) in enumerate(found):
        for k in tile_kernels:
            kernels.append(
                Kernel(k.x0 + tile.x0, k.y0 + tile.y0, k.x1 + tile.x0, k.y1 + tile.y0, k.score)
            )
            owner.append(index)
    parent = list(range(len(kernels)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(kernels)), key=lambda i: kernels[i].y0)
    for position, i in enumerate(order):
        a = kernels[i]
        for j in order[position + 1 :]:
            b = kernels[j]
            if b.y0 > a.y1:  # sorted by top: no later kernel shares a row with this one
                break
            if (
                owner[i] != owner[j]
                and b.x0 <= a.x1 + TOUCH
                and a.x0 <= b.x1 + TOUCH
                and _same_row(a, b)
            ):
                parent[root(j)] = root(i)
    groups: dict[int, list[Kernel]] = {}
    for i, kernel in enumerate(kernels):
        groups.setdefault(root(i), []).append(kernel)
    return [
        Kernel(
            min(k.x0 for k in group),
            min(k.y0 for k in group),
            max(k.x1 for k in group),
            max(k.y1 for k in group),
            max(k.score for k in group),
        )
        for group in groups.values()
    ]


def _same_row(a: Kernel, b: Kernel) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap >= ROW_OVERLAP * min(a.y1 - a.y0, b.y1 - b.y0)
