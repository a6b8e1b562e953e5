/* The CBLAS calls NumPy's core makes, written plainly: a stand-in for NumPy's 24 MiB OpenBLAS
 * in the Operator Console bundle (see packaging/slim.py).
 *
 * NumPy's _multiarray_umath calls these 22 functions for dot/matmul/inner/vdot and for
 * `a @ a.T` (syrk) on float32/float64/complex64/complex128 arrays; everything else it does
 * without BLAS. The console's numeric work is small (OCR box geometry: vectors of 2-4
 * numbers, 3x3 matrices), so straightforward loops are as fast as a tuned BLAS there.
 * LAPACK (numpy.linalg.solve/inv/svd/eig…) is NOT provided: those symbols are stubs that
 * say so and abort (no console code path calls them; tests/package/test_blas_lite.py checks
 * these functions against NumPy's own results).
 *
 * Integer arguments are 64-bit (NumPy links the ILP64 "scipy_openblas64_" build). Built with
 * -nostdlib -fcx-limited-range: no libc, no libgcc complex helpers.
 */

typedef long blasint;
typedef float _Complex cfloat;
typedef double _Complex cdouble;

enum { RowMajor = 101, ColMajor = 102 };
enum { NoTrans = 111, Trans = 112, ConjTrans = 113 };
enum { Upper = 121, Lower = 122 };

static inline float conj_s(float x) { return x; }
static inline double conj_d(double x) { return x; }
static inline cfloat conj_c(cfloat x) { return ~x; } /* GCC: ~ on a complex conjugates */
static inline cdouble conj_z(cdouble x) { return ~x; }

static inline blasint at(blasint k, blasint n, blasint inc) {
    /* BLAS vector indexing: a negative increment walks the vector from its end. */
    return inc >= 0 ? k * inc : (n - 1 - k) * (-inc);
}

/* Element (i, j) of a matrix stored with leading dimension ld in the given order. */
static inline blasint el(int order, blasint i, blasint j, blasint ld) {
    return order == RowMajor ? i * ld + j : i + j * ld;
}

#define SCALAR_REAL(x) (*(const T *)(x))

#define DEFINE_COMMON(P, T, CONJ)                                                              \
    static T P##_op(const T *a, int order, int trans, blasint i, blasint j, blasint ld) {      \
        /* op(A)(i, j): A, A^T or A^H. */                                                       \
        if (trans == NoTrans) return a[el(order, i, j, ld)];                                    \
        T v = a[el(order, j, i, ld)];                                                           \
        return trans == ConjTrans ? CONJ(v) : v;                                                \
    }                                                                                           \
    static void P##_gemm(int order, int ta, int tb, blasint m, blasint n, blasint k, T alpha,   \
                         const T *a, blasint lda, const T *b, blasint ldb, T beta, T *c,        \
                         blasint ldc) {                                                         \
        for (blasint i = 0; i < m; i++)                                                         \
            for (blasint j = 0; j < n; j++) {                                                   \
                T sum = 0;                                                                      \
                for (blasint p = 0; p < k; p++)                                                 \
                    sum += P##_op(a, order, ta, i, p, lda) * P##_op(b, order, tb, p, j, ldb);   \
                T *out = &c[el(order, i, j, ldc)];                                              \
                *out = (beta == (T)0 ? (T)0 : beta * *out) + alpha * sum;                       \
            }                                                                                   \
    }                                                                                           \
    static void P##_gemv(int order, int trans, blasint m, blasint n, T alpha, const T *a,       \
                         blasint lda, const T *x, blasint incx, T beta, T *y, blasint incy) {   \
        blasint rows = trans == NoTrans ? m : n, cols = trans == NoTrans ? n : m;               \
        for (blasint i = 0; i < rows; i++) {                                                    \
            T sum = 0;                                                                          \
            for (blasint p = 0; p < cols; p++)                                                  \
                sum += (trans == NoTrans ? a[el(order, i, p, lda)]                              \
                        : trans == Trans ? a[el(order, p, i, lda)]                              \
                                         : CONJ(a[el(order, p, i, lda)])) *                     \
                       x[at(p, cols, incx)];                                                    \
            T *out = &y[at(i, rows, incy)];                                                     \
            *out = (beta == (T)0 ? (T)0 : beta * *out) + alpha * sum;                           \
        }                                                                                       \
    }                                                                                           \
    static void P##_syrk(int order, int uplo, int trans, blasint n, blasint k, T alpha,         \
                         const T *a, blasint lda, T beta, T *c, blasint ldc) {                  \
        /* C = alpha A A^T + beta C (trans NoTrans, A n×k) or alpha A^T A + beta C; only the  \
           uplo triangle of C is touched. */                                                    \
        for (blasint i = 0; i < n; i++)                                                         \
            for (blasint j = 0; j < n; j++) {                                                   \
                if (uplo == Upper ? j < i : j > i) continue;                                    \
                T sum = 0;                                                                      \
                for (blasint p = 0; p < k; p++)                                                 \
                    sum += trans == NoTrans                                                     \
                               ? a[el(order, i, p, lda)] * a[el(order, j, p, lda)]              \
                               : a[el(order, p, i, lda)] * a[el(order, p, j, lda)];             \
                T *out = &c[el(order, i, j, ldc)];                                              \
                *out = (beta == (T)0 ? (T)0 : beta * *out) + alpha * sum;                       \
            }                                                                                   \
    }                                                                                           \
    static void P##_axpy(blasint n, T alpha, const T *x, blasint incx, T *y, blasint incy) {    \
        for (blasint i = 0; i < n; i++) y[at(i, n, incy)] += alpha * x[at(i, n, incx)];         \
    }                                                                                           \
    static T P##_dot(blasint n, const T *x, blasint incx, const T *y, blasint incy, int cj) {   \
        T sum = 0;                                                                              \
        for (blasint i = 0; i < n; i++) {                                                       \
            T v = x[at(i, n, incx)];                                                            \
            sum += (cj ? CONJ(v) : v) * y[at(i, n, incy)];                                      \
        }                                                                                       \
        return sum;                                                                             \
    }

DEFINE_COMMON(s, float, conj_s)
DEFINE_COMMON(d, double, conj_d)
DEFINE_COMMON(c, cfloat, conj_c)
DEFINE_COMMON(z, cdouble, conj_z)

/* The exported CBLAS entry points: real types take scalars by value, complex by pointer. */
#define EXPORT_REAL(P, T)                                                                      \
    void scipy_cblas_##P##gemm64_(int o, int ta, int tb, blasint m, blasint n, blasint k,       \
                                  T alpha, const T *a, blasint lda, const T *b, blasint ldb,    \
                                  T beta, T *c, blasint ldc) {                                  \
        P##_gemm(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);                      \
    }                                                                                           \
    void scipy_cblas_##P##gemv64_(int o, int t, blasint m, blasint n, T alpha, const T *a,      \
                                  blasint lda, const T *x, blasint incx, T beta, T *y,          \
                                  blasint incy) {                                               \
        P##_gemv(o, t, m, n, alpha, a, lda, x, incx, beta, y, incy);                            \
    }                                                                                           \
    void scipy_cblas_##P##syrk64_(int o, int u, int t, blasint n, blasint k, T alpha,           \
                                  const T *a, blasint lda, T beta, T *c, blasint ldc) {         \
        P##_syrk(o, u, t, n, k, alpha, a, lda, beta, c, ldc);                                   \
    }                                                                                           \
    void scipy_cblas_##P##axpy64_(blasint n, T alpha, const T *x, blasint incx, T *y,           \
                                  blasint incy) {                                               \
        P##_axpy(n, alpha, x, incx, y, incy);                                                   \
    }                                                                                           \
    T scipy_cblas_##P##dot64_(blasint n, const T *x, blasint incx, const T *y, blasint incy) {  \
        return P##_dot(n, x, incx, y, incy, 0);                                                 \
    }

#define EXPORT_COMPLEX(P, T)                                                                   \
    void scipy_cblas_##P##gemm64_(int o, int ta, int tb, blasint m, blasint n, blasint k,       \
                                  const void *alpha, const void *a, blasint lda, const void *b, \
                                  blasint ldb, const void *beta, void *c, blasint ldc) {        \
        P##_gemm(o, ta, tb, m, n, k, *(const T *)alpha, a, lda, b, ldb, *(const T *)beta, c,    \
                 ldc);                                                                          \
    }                                                                                           \
    void scipy_cblas_##P##gemv64_(int o, int t, blasint m, blasint n, const void *alpha,        \
                                  const void *a, blasint lda, const void *x, blasint incx,      \
                                  const void *beta, void *y, blasint incy) {                    \
        P##_gemv(o, t, m, n, *(const T *)alpha, a, lda, x, incx, *(const T *)beta, y, incy);    \
    }                                                                                           \
    void scipy_cblas_##P##syrk64_(int o, int u, int t, blasint n, blasint k,                    \
                                  const void *alpha, const void *a, blasint lda,                \
                                  const void *beta, void *c, blasint ldc) {                     \
        P##_syrk(o, u, t, n, k, *(const T *)alpha, a, lda, *(const T *)beta, c, ldc);           \
    }                                                                                           \
    void scipy_cblas_##P##axpy64_(blasint n, const void *alpha, const void *x, blasint incx,    \
                                  void *y, blasint incy) {                                      \
        P##_axpy(n, *(const T *)alpha, x, incx, y, incy);                                       \
    }                                                                                           \
    void scipy_cblas_##P##dotu_sub64_(blasint n, const void *x, blasint incx, const void *y,    \
                                      blasint incy, void *out) {                                \
        *(T *)out = P##_dot(n, x, incx, y, incy, 0);                                            \
    }                                                                                           \
    void scipy_cblas_##P##dotc_sub64_(blasint n, const void *x, blasint incx, const void *y,    \
                                      blasint incy, void *out) {                                \
        *(T *)out = P##_dot(n, x, incx, y, incy, 1);                                            \
    }

EXPORT_REAL(s, float)
EXPORT_REAL(d, double)
EXPORT_COMPLEX(c, cfloat)
EXPORT_COMPLEX(z, cdouble)
