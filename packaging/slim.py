"""Make the PyInstaller folder smaller without losing a feature: stub, prune, strip.

Measured on the first bundle (450 MiB): OpenCV's wheel alone brought 152 MiB, of which its
FFmpeg/AV1/VPX video stack (~40 MiB) and its own OpenBLAS (~40 MiB with libgfortran) are never
reached by what the console does with OpenCV (resize, colour conversion, contours, perspective
crops of OCR boxes, PNG/JPEG/WebP coding); Qt's ICU data (31 MiB) serves collation, legacy
codecs and locale names the console never asks for; the interpreter and several wheels were
not stripped (~40 MiB of symbol tables).

Three steps, in this order (``slim(bundle)``):

1. **Stub** (`STUBS`): a library that a kept binary links but never calls on the console's
   paths is replaced by a tiny library with the same soname, the same symbol versions and
   every symbol the rest of the bundle imports from it. A stubbed *function* never returns: it
   prints ``operator-console: <library> is left out of this build (<symbol> called)`` and
   aborts, so a path we did not foresee fails loudly instead of computing garbage. ICU's data
   library becomes a valid empty ICU data package (no entries): ICU then reports "missing
   resource" and Qt takes its own non-ICU fallbacks (case mapping, string compare).
2. **Prune**: a library in a wheel's ``<name>.libs/`` folder that no remaining ELF file needs
   any more (e.g. libvpx, libssl, libgfortran that only stubbed libraries linked) is deleted;
   computed to a fixpoint from the ``NEEDED`` entries, so nothing needed can go.
3. **Strip**: ``strip --strip-unneeded`` on every shared object that still has a symbol table
   (never the PyInstaller executables: their archive is appended to the ELF file).

Why OpenCV's OpenBLAS can be a stub: OpenCV calls LAPACK/BLAS only through its HAL, and only
for matrices of at least 25–100 rows (``cv::solve``/``invert``/SVD/``gemm`` of smaller ones run
OpenCV's own code); RapidOCR and the console use 3×3/4×2 systems (``getPerspectiveTransform``,
``minAreaRect``). The installed-package test runs real OCR through the stubs.

The build needs ``gcc`` (the stubs are compiled with ``-nostdlib``: no libc headers).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from elf import elf_files

# soname pattern → why the bundle can do without the real library.
STUBS: dict[str, str] = {
    r"libavcodec-[0-9a-f]+\.so": "OpenCV's video I/O (FFmpeg): the console never opens a video",
    r"libavformat-[0-9a-f]+\.so": "OpenCV's video I/O (FFmpeg)",
    r"libavutil-[0-9a-f]+\.so": "OpenCV's video I/O (FFmpeg)",
    r"libswscale-[0-9a-f]+\.so": "OpenCV's video I/O (FFmpeg)",
    # libavif itself stays (OpenCV creates an AVIF encoder object when its codecs load), its AV1
    # codec goes: only encoding or decoding an AVIF image would call it.
    r"libaom-[0-9a-f]+\.so": "the AV1 codec of AVIF images: screenshots are PNG, JPEG or WebP",
    r"libopenblasp-r0-[0-9a-f]+\.": "OpenCV's LAPACK path, only for matrices of 25+ rows",
    r"libicudata\.so": "ICU locale data: collation, legacy codecs, locale display names",
    r"libscipy_openblas64_-[0-9a-f]+\.so": "NumPy's OpenBLAS (CBLAS calls: blas_lite.c)",
}

# Stubs that carry real code: the functions the source defines are exported as they are, the
# rest of the library's imported symbols abort like any stub.
STUB_SOURCES: dict[str, Path] = {
    r"libscipy_openblas64_-[0-9a-f]+\.so": Path(__file__).resolve().parent / "blas_lite.c",
}
CFLAGS = [
    "-fPIC",
    "-O2",
    "-nostdlib",
    "-fno-stack-protector",
    "-fcx-limited-range",  # complex multiply inline, no libgcc helper
    "-fno-tree-loop-distribute-patterns",  # no memset/memcpy calls: there is no libc here
]

ICU_EMPTY_DATA = (
    # An ICU common-data package with no entries ("ToCP" table of contents, format 1): the
    # MappedData header (size 32, magic 0xda 0x27), UDataInfo (size 20, little-endian, ASCII,
    # 2-byte UChar), padding to 32 bytes, then a uint32 entry count of 0 (+ padding).
    b"\x20\x00\xda\x27"
    b"\x14\x00\x00\x00"
    b"\x00\x00\x02\x00"
    b"ToCP"
    b"\x01\x00\x00\x00"
    b"\x00\x00\x00\x00" + b"\x00" * 8 + b"\x00" * 16
)


@dataclass
class SlimReport:
    stubbed: dict[str, int]  # relative path → bytes of the real library
    pruned: dict[str, int]  # relative path → bytes
    stripped_bytes: int
    stripped_files: int

    def lines(self) -> list[str]:
        mib = 2**20
        out = [
            f"stubbed {rel} ({size / mib:.1f} MiB)" for rel, size in sorted(self.stubbed.items())
        ]
        out += [f"pruned {rel} ({size / mib:.1f} MiB)" for rel, size in sorted(self.pruned.items())]
        out.append(f"stripped {self.stripped_files} files: -{self.stripped_bytes / mib:.1f} MiB")
        return out


def _run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _needed(path: Path) -> list[str]:
    out = _run(["readelf", "--dynamic", "--wide", str(path)])
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


def _soname(path: Path) -> str:
    out = _run(["readelf", "--dynamic", "--wide", str(path)])
    match = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", out)
    return match.group(1) if match else path.name


@dataclass(frozen=True)
class _Symbol:
    name: str
    version: str | None
    kind: str  # nm's letter: T/W function, D/B/R/V/u data
    size: int


def _defined(path: Path) -> dict[tuple[str, str | None], _Symbol]:
    out = _run(["nm", "-D", "--defined-only", "--with-symbol-versions", "-S", str(path)])
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            _, size, kind, full = parts
        elif len(parts) == 3:
            _, kind, full = parts
            size = "0"
        else:
            continue
        name, _, version = full.partition("@")
        version = version.lstrip("@") or None
        found[(name, version)] = _Symbol(name, version, kind, int(size, 16))
    return found


def _imported(path: Path) -> set[tuple[str, str | None]]:
    out = _run(["nm", "-D", "--undefined-only", "--with-symbol-versions", str(path)])
    wanted = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        name, _, version = parts[1].partition("@")
        wanted.add((name, version.lstrip("@") or None))
    return wanted


def _stub_source(library: str, symbols: list[_Symbol], icu_data: bool) -> str:
    message = f"operator-console: {library} is left out of this build ("
    lines = [
        "/* Generated by packaging/slim.py: a stand-in for a library the console never uses. */",
        "typedef unsigned long size_t;",
        "static void stub_called(const char *name, size_t length) {",
        f'  static const char head[] = "{message}";',
        '  static const char tail[] = " called)\\n";',
        "  long r;",
        '  __asm__ volatile ("syscall" : "=a"(r) : "0"(1L), "D"(2L), "S"(head),'
        ' "d"(sizeof head - 1) : "rcx", "r11", "memory");',
        '  __asm__ volatile ("syscall" : "=a"(r) : "0"(1L), "D"(2L), "S"(name),'
        ' "d"(length) : "rcx", "r11", "memory");',
        '  __asm__ volatile ("syscall" : "=a"(r) : "0"(1L), "D"(2L), "S"(tail),'
        ' "d"(sizeof tail - 1) : "rcx", "r11", "memory");',
        "  (void)r;",
        "  __builtin_trap();",
        "}",
    ]
    for index, symbol in enumerate(symbols):
        # The exported name goes through an asm label, so any name works whatever C allows.
        label = f'__asm__("{symbol.name}")'
        if symbol.kind in "TtWwi":
            lines.append(
                f"void stub_{index}(void) {label};\n"
                f'void stub_{index}(void) {{ stub_called("{symbol.name}", {len(symbol.name)}); }}'
            )
        elif icu_data and symbol.name.startswith("icudt"):
            data = ", ".join(str(b) for b in ICU_EMPTY_DATA)
            lines.append(
                f"const unsigned char stub_{index}[{len(ICU_EMPTY_DATA)}] {label}"
                f" __attribute__((aligned(16))) = {{{data}}};"
            )
        else:
            lines.append(
                f"unsigned char stub_{index}[{max(symbol.size, 8)}] {label}"
                " __attribute__((aligned(16)));"
            )
    return "\n".join(lines) + "\n"


def _version_script(symbols: list[_Symbol]) -> str:
    by_version: dict[str | None, list[str]] = defaultdict(list)
    for symbol in symbols:
        by_version[symbol.version].append(symbol.name)
    blocks = []
    for version, names in sorted(by_version.items(), key=lambda item: item[0] or ""):
        body = " ".join(f"{name};" for name in sorted(names))
        blocks.append(f"{version or ''} {{ global: {body} local: *; }};")
    return "\n".join(blocks) + "\n"


def _compiled_names(source: Path, workdir: Path) -> set[str]:
    """The global functions a C source defines (compiled once to find out)."""
    obj = workdir / f"{source.stem}.o"
    subprocess.run(["gcc", "-c", *CFLAGS, "-o", str(obj), str(source)], check=True)
    out = _run(["nm", "--defined-only", "--extern-only", str(obj)])
    return {line.split()[-1] for line in out.splitlines() if line.split()}


def _build_stub(real: Path, symbols: list[_Symbol], workdir: Path) -> None:
    icu = real.name.startswith("libicudata")
    soname = _soname(real)
    extra = next((src for pat, src in STUB_SOURCES.items() if re.match(pat, real.name)), None)
    sources = []
    if extra is not None:
        provided = _compiled_names(extra, workdir)
        sources.append(str(extra))
        symbols_to_stub = [s for s in symbols if s.name not in provided]
    else:
        symbols_to_stub = symbols
    source = workdir / f"{real.name}.c"
    source.write_text(_stub_source(real.name, symbols_to_stub, icu))
    script = workdir / f"{real.name}.map"
    script.write_text(_version_script(symbols))
    target = workdir / real.name
    subprocess.run(
        [
            "gcc",
            "-shared",
            *CFLAGS,
            f"-Wl,-soname,{soname}",
            f"-Wl,--version-script={script}",
            "-Wl,--hash-style=both",
            "-o",
            str(target),
            str(source),
            *sources,
        ],
        check=True,
    )
    subprocess.run(["strip", "--strip-unneeded", str(target)], check=True)
    mode = real.stat().st_mode
    shutil.copyfile(target, real)
    real.chmod(mode)


def stub_libraries(bundle: Path) -> dict[str, int]:
    if shutil.which("gcc") is None:
        raise RuntimeError("gcc is missing (apt-get install gcc): it compiles the stub libraries")
    files = elf_files(bundle)
    targets = [p for p in files if any(re.match(pattern, p.name) for pattern in STUBS)]
    unknown = [p for p in STUBS if not any(re.match(p, t.name) for t in targets)]
    if unknown:
        raise RuntimeError(f"slim: no library in the bundle matches {unknown}: update STUBS")
    imports: set[tuple[str, str | None]] = set()
    for path in files:
        if path not in targets:
            imports |= _imported(path)
    # Stubbed libraries may link each other (libavformat → libavcodec): their imports from a
    # sibling count only through what the kept files import, so they are not added here.
    stubbed = {}
    with tempfile.TemporaryDirectory(prefix="slim-") as work:
        for real in targets:
            defined = _defined(real)
            wanted = [defined[key] for key in sorted(imports, key=str) if key in defined]
            # Unversioned references bind to the default version of a versioned library.
            versioned = {(s.name): s for s in defined.values() if s.version}
            for name, version in imports:
                if version is None and (name, None) not in defined and name in versioned:
                    wanted.append(versioned[name])
            unique = {(s.name, s.version): s for s in wanted}
            size = real.stat().st_size
            _build_stub(real, list(unique.values()), Path(work))
            stubbed[str(real.relative_to(bundle))] = size
    return stubbed


def prune_unneeded(bundle: Path) -> dict[str, int]:
    """Delete wheel-grafted libraries (``*.libs/``) that no remaining ELF file needs."""
    pruned: dict[str, int] = {}
    while True:
        files = elf_files(bundle)
        needed = {soname for path in files for soname in _needed(path)}
        orphans = [
            p
            for p in files
            if (p.parent.name.endswith(".libs") or p.parent.parts[-2:] == ("Qt", "lib"))
            and p.name not in needed
            and _soname(p) not in needed
        ]
        if not orphans:
            break
        for path in orphans:
            pruned[str(path.relative_to(bundle))] = path.stat().st_size
            path.unlink()
    # PyInstaller links each grafted library into _internal/ too: drop the dangling links.
    for link in bundle.rglob("*"):
        if link.is_symlink() and not link.exists():
            link.unlink()
    return pruned


def _has_symtab(path: Path) -> bool:
    out = _run(["readelf", "--section-headers", "--wide", str(path)])
    return " .symtab " in out or " .debug_info " in out


def strip_all(bundle: Path, executables: set[Path]) -> tuple[int, int]:
    saved = count = 0
    for path in elf_files(bundle):
        if path in executables or not _has_symtab(path):
            continue
        before = path.stat().st_size
        mode = path.stat().st_mode
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
        path.chmod(mode)
        saved += before - path.stat().st_size
        count += 1
    return saved, count


def slim(bundle: Path, executables: set[Path]) -> SlimReport:
    stubbed = stub_libraries(bundle)
    pruned = prune_unneeded(bundle)
    saved, count = strip_all(bundle, executables)
    return SlimReport(stubbed, pruned, saved, count)


def component_sizes(bundle: Path) -> dict[str, int]:
    """Bytes per top-level entry of ``_internal/`` (a wheel's ``.libs`` counts with it)."""
    internal = bundle / "_internal"
    sizes: dict[str, int] = defaultdict(int)
    for path in internal.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        top = path.relative_to(internal).parts[0]
        top = re.sub(r"\.libs$", "", top)
        top = {"opencv_python_headless": "cv2", "pillow": "PIL"}.get(top, top)
        if top.startswith("libpython"):
            top = "libpython"
        elif top.endswith(".dist-info") or top == "base_library.zip" or top == "python3.11":
            top = "python"
        sizes[top] += path.stat().st_size
    for path in bundle.iterdir():
        if path.is_file():
            sizes["executable"] += path.stat().st_size
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))
