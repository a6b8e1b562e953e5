"""Render the app icon's PNG sizes from the one SVG in resources/icons/.

Why at build time and with Qt: the SVG is the single source (edited by hand, reviewed as
text), and PySide6-Essentials ships QtSvg, so the sizes the hicolor theme, the Windows .ico and
the macOS .icns need come out of the same renderer the app uses, without committing binaries.
Runs without a display (a raster QImage needs no platform plugin).

Usage: python packaging/icons.py OUT_DIR   → OUT_DIR/operator-console-<size>.png and .ico
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "operator-console.svg"
NAME = "operator-console"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(out_dir: Path, svg: Path = SVG, sizes: tuple[int, ...] = SIZES) -> dict[int, Path]:
    """Write one PNG per size and return them; raises if the SVG does not parse."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG Qt can render")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[int, Path] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"{NAME}-{size}.png"
        if not image.save(str(path)):  # format from the .png suffix
            raise OSError(f"could not write {path}")
        written[size] = path
    return written


def write_ico(pngs: dict[int, Path], target: Path) -> Path:
    """A Windows .ico with every size up to 256 px (for the exe and the Inno Setup wizard)."""
    from PIL import Image

    sizes = sorted(size for size in pngs if size <= 256)
    with Image.open(pngs[max(sizes)]) as largest:
        largest.save(target, format="ICO", sizes=[(size, size) for size in sizes])
    return target


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"
    written = render(target)
    for size, path in written.items():
        print(f"{size:4d} px  {path}")
    print(f"     ico  {write_ico(written, target / f'{NAME}.ico')}")
