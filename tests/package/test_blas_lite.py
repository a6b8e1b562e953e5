"""packaging/blas_lite.c (the bundle's stand-in for NumPy's OpenBLAS) computes what OpenBLAS
computes: every CBLAS function NumPy calls, for the four types, both storage orders, every
transpose and negative/strided increments, checked against NumPy (with its real OpenBLAS).

Fast (a second); needs gcc. Part of the installer suite (``pytest -m package tests/package``).
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import slim  # noqa: E402

pytestmark = [pytest.mark.package]

ROW, COL = 101, 102
NO, TRANS, CONJ = 111, 112, 113
UPPER, LOWER = 121, 122
BLAS_SOURCE = ROOT / "packaging" / "blas_lite.c"
TYPES = {"s": np.float32, "d": np.float64, "c": np.complex64, "z": np.complex128}
L = ctypes.c_long
P = ctypes.c_void_p
INT = ctypes.c_int


@pytest.fixture(scope="module")
def blas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ctypes.CDLL]:
    out = tmp_path_factory.mktemp("blas") / "libblas_lite.so"
    subprocess.run(
        ["gcc", "-shared", *slim.CFLAGS, "-o", str(out), str(BLAS_SOURCE)],
        check=True,
    )
    undefined = subprocess.run(
        ["nm", "-D", "--undefined-only", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert undefined.strip() == "", f"blas_lite must need nothing from libc:\n{undefined}"
    yield ctypes.CDLL(str(out))


def rand(shape: tuple[int, ...], kind: str, rng: np.random.Generator) -> np.ndarray:
    values = rng.standard_normal(shape)
    if kind in "cz":
        values = values + 1j * rng.standard_normal(shape)
    return np.asarray(values, dtype=TYPES[kind])


def scalar(kind: str, value: complex) -> object:
    """Real scalars by value, complex ones by pointer (to a kept buffer)."""
    if kind == "s":
        return ctypes.c_float(value.real)
    if kind == "d":
        return ctypes.c_double(value.real)
    return np.array([value], dtype=TYPES[kind]).ctypes.data_as(P), None


def call(blas: ctypes.CDLL, name: str, restype: object, *args: object) -> object:
    func = getattr(blas, f"scipy_cblas_{name}64_")
    func.restype = restype
    flat = []
    keep = []
    for arg in args:
        if isinstance(arg, np.ndarray):
            keep.append(arg)
            flat.append(arg.ctypes.data_as(P))
        elif isinstance(arg, tuple):  # (pointer, None) from scalar()
            flat.append(arg[0])
        elif isinstance(arg, int):
            flat.append(L(arg))
        else:
            flat.append(arg)
    return func(*flat)


def op(a: np.ndarray, trans: int) -> np.ndarray:
    return a if trans == NO else a.T if trans == TRANS else a.conj().T


def tol(kind: str) -> float:
    return 1e-4 if kind in "sc" else 1e-10


@pytest.mark.parametrize("kind", list(TYPES))
@pytest.mark.parametrize("order", [ROW, COL])
def test_gemm(blas: ctypes.CDLL, kind: str, order: int) -> None:
    rng = np.random.default_rng(1)
    m, n, k = 5, 4, 3
    transposes = [NO, TRANS] + ([CONJ] if kind in "cz" else [])
    layout = "C" if order == ROW else "F"
    for ta in transposes:
        for tb in transposes:
            a = np.asarray(rand((m, k) if ta == NO else (k, m), kind, rng), order=layout)
            b = np.asarray(rand((k, n) if tb == NO else (n, k), kind, rng), order=layout)
            c = np.asarray(rand((m, n), kind, rng), order=layout)
            alpha, beta = (1.5 - 0.5j, 0.25 + 1j) if kind in "cz" else (1.5, 0.25)
            want = alpha * op(a, ta) @ op(b, tb) + beta * c
            lda = a.shape[1] if order == ROW else a.shape[0]
            ldb = b.shape[1] if order == ROW else b.shape[0]
            ldc = n if order == ROW else m
            args = [INT(order), INT(ta), INT(tb), m, n, k, scalar(kind, alpha), a, lda, b, ldb]
            call(blas, f"{kind}gemm", None, *args, scalar(kind, beta), c, ldc)
            np.testing.assert_allclose(c, want, rtol=tol(kind), atol=tol(kind))


@pytest.mark.parametrize("kind", list(TYPES))
def test_gemm_with_zero_beta_ignores_garbage_in_c(blas: ctypes.CDLL, kind: str) -> None:
    rng = np.random.default_rng(2)
    a, b = rand((3, 2), kind, rng), rand((2, 4), kind, rng)
    c = np.full((3, 4), np.nan, dtype=TYPES[kind])
    call(
        blas,
        f"{kind}gemm",
        None,
        INT(ROW),
        INT(NO),
        INT(NO),
        3,
        4,
        2,
        scalar(kind, 1.0),
        a,
        2,
        b,
        4,
        scalar(kind, 0.0),
        c,
        4,
    )
    np.testing.assert_allclose(c, a @ b, rtol=tol(kind), atol=tol(kind))


@pytest.mark.parametrize("kind", list(TYPES))
@pytest.mark.parametrize("order", [ROW, COL])
def test_gemv_with_strides(blas: ctypes.CDLL, kind: str, order: int) -> None:
    rng = np.random.default_rng(3)
    m, n = 4, 3
    layout = "C" if order == ROW else "F"
    for trans in [NO, TRANS] + ([CONJ] if kind in "cz" else []):
        for incx, incy in ((1, 1), (2, 3), (-1, 1), (2, -2)):
            a = np.asarray(rand((m, n), kind, rng), order=layout)
            xs, ys = (n, m) if trans == NO else (m, n)
            x_store = rand((xs * abs(incx),), kind, rng)
            y_store = rand((ys * abs(incy),), kind, rng)
            x = x_store[:: abs(incx)][:xs]
            y = y_store[:: abs(incy)][:ys]
            x_logical = x if incx > 0 else x[::-1]
            y_logical = y if incy > 0 else y[::-1]
            alpha, beta = (2 - 1j, 0.5j) if kind in "cz" else (2.0, 0.5)
            want = alpha * op(a, trans) @ x_logical + beta * y_logical
            lda = n if order == ROW else m
            call(
                blas,
                f"{kind}gemv",
                None,
                INT(order),
                INT(trans),
                m,
                n,
                scalar(kind, alpha),
                a,
                lda,
                x_store,
                incx,
                scalar(kind, beta),
                y_store,
                incy,
            )
            got = y_store[:: abs(incy)][:ys]
            got = got if incy > 0 else got[::-1]
            np.testing.assert_allclose(got, want, rtol=tol(kind), atol=tol(kind))


@pytest.mark.parametrize("kind", list(TYPES))
@pytest.mark.parametrize("order", [ROW, COL])
def test_syrk_touches_only_its_triangle(blas: ctypes.CDLL, kind: str, order: int) -> None:
    rng = np.random.default_rng(4)
    n, k = 4, 3
    layout = "C" if order == ROW else "F"
    for trans in (NO, TRANS):
        for uplo in (UPPER, LOWER):
            a = np.asarray(rand((n, k) if trans == NO else (k, n), kind, rng), order=layout)
            c = np.asarray(rand((n, n), kind, rng), order=layout)
            before = c.copy()
            product = a @ a.T if trans == NO else a.T @ a
            want = 1.5 * product + 0.5 * before
            lda = a.shape[1] if order == ROW else a.shape[0]
            call(
                blas,
                f"{kind}syrk",
                None,
                INT(order),
                INT(uplo),
                INT(trans),
                n,
                k,
                scalar(kind, 1.5),
                a,
                lda,
                scalar(kind, 0.5),
                c,
                n,
            )
            mask = (
                np.triu(np.ones((n, n), bool)) if uplo == UPPER else np.tril(np.ones((n, n), bool))
            )
            np.testing.assert_allclose(c[mask], want[mask], rtol=tol(kind), atol=tol(kind))
            np.testing.assert_array_equal(c[~mask], before[~mask])


@pytest.mark.parametrize("kind", list(TYPES))
def test_dot_and_axpy(blas: ctypes.CDLL, kind: str) -> None:
    rng = np.random.default_rng(5)
    x, y = rand((7,), kind, rng), rand((7,), kind, rng)
    if kind in "sd":
        restype = ctypes.c_float if kind == "s" else ctypes.c_double
        got = call(blas, f"{kind}dot", restype, 7, x, 1, y, 1)
        assert abs(got - np.dot(x, y)) < tol(kind) * 10
    else:
        out = np.zeros(1, TYPES[kind])
        call(blas, f"{kind}dotu_sub", None, 7, x, 1, y, 1, out)
        np.testing.assert_allclose(out[0], np.dot(x, y), rtol=tol(kind))
        call(blas, f"{kind}dotc_sub", None, 7, x, 1, y, 1, out)
        np.testing.assert_allclose(out[0], np.vdot(x, y), rtol=tol(kind))
    alpha = 0.5 - 2j if kind in "cz" else 0.5
    want = y + alpha * x
    call(blas, f"{kind}axpy", None, 7, scalar(kind, alpha), x, 1, y, 1)
    np.testing.assert_allclose(y, want, rtol=tol(kind), atol=tol(kind))
