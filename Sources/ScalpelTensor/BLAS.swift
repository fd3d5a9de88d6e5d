import CBLAS

/// What was loaded for matrix products, for `scalpel doctor` and `scalpel bench`.
public struct BLASInfo: Sendable, Equatable {
    /// The shared object that was opened.
    public var library: String
    /// The library's own build description (`openblas_get_config`).
    public var config: String
    /// The kernel family in use (`openblas_get_corename`).
    public var core: String
    /// `environment` when `OPENBLAS_CORETYPE` was already set, `cpuid` when Scalpel chose it.
    public var coreSource: String
    /// The core Scalpel's CPU check recommends here; empty when it has none.
    public var recommendedCore: String
    /// Threads OpenBLAS uses for one call.
    public var threads: Int
}

/// Failure to reach a BLAS library, with the reason and what to do.
public struct BLASLoadError: Error, CustomStringConvertible {
    public var description: String
}

/// Entry points to OpenBLAS, which is opened at run time after the CPU core type is chosen
/// (see `scalpel_blas.h`). The first call to any routine loads the library.
public enum BLAS {
    /// Loads OpenBLAS if needed and describes it; throws when it cannot be loaded.
    @discardableResult
    public static func load() throws -> BLASInfo {
        guard scalpel_blas_load() == 0 else {
            throw BLASLoadError(description: String(cString: scalpel_blas_error()))
        }
        return BLASInfo(
            library: String(cString: scalpel_blas_library()),
            config: String(cString: scalpel_blas_config()).trimmingSpaces(),
            core: String(cString: scalpel_blas_core()),
            coreSource: String(cString: scalpel_blas_core_source()),
            recommendedCore: String(cString: scalpel_blas_recommended_core()),
            threads: Int(scalpel_blas_threads())
        )
    }

    /// Sets how many threads OpenBLAS uses.
    public static func setThreads(_ threads: Int) {
        ensureLoaded()
        scalpel_blas_set_threads(Int32(clamping: threads))
    }

    /// Loads the library or stops the process with the loader's explanation. Numeric code calls this
    /// before its first product; commands call `load()` first so that users see a clean error.
    @inline(__always)
    static func ensureLoaded() {
        if scalpel_blas_load() != 0 {
            fatalError(String(cString: scalpel_blas_error()))
        }
    }

    /// Row-major single-precision GEMM: `c = alpha·op(a)·op(b) + beta·c` with op(a) m×k, op(b) k×n.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        ensureLoaded()
        scalpel_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
                      a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major double-precision GEMM, the reference path of gradient checks.
    @inline(__always)
    public static func dgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        ensureLoaded()
        scalpel_dgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
                      a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major single-precision GEMV: `y = alpha·op(a)·x + beta·y`, `a` is m×n before op.
    @inline(__always)
    public static func sgemv(
        transA: Bool, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        ensureLoaded()
        scalpel_sgemv(transA ? 1 : 0, Int32(m), Int32(n), alpha, a, Int32(lda), x, beta, y)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
