import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `out[N, O] (+)= x[N, I] · weightᵀ + bias` with the weight packed (`PackedWeight`), never expanded whole.
///
/// Decode (a few rows of `x`) runs the fused GEMV of `scalpel_packed.h`: codes are widened and scaled in
/// registers and meet the activation in the same loop, so each weight byte is read once per token; rows
/// of the weight are split across threads. Prefill (more rows) dequantizes a panel of weight rows at a
/// time into a small f32 buffer and multiplies it with sgemm, so the arithmetic runs at BLAS speed while
/// the resident weight stays packed.
public enum PackedLinear {
    /// Rows of `x` up to which the GEMV kernel runs once per row; above it, dequantized panels and sgemm.
    public static let gemvMaxRows = 4

    /// Threads for the GEMV and the panel dequantization (default: the online processors).
    nonisolated(unsafe) public static var threads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Weights below this many elements run on one thread (waking a second costs more than it saves).
    static let parallelMinimum = 1 << 16

    /// `out[n, rows] = x[n, cols] · weightᵀ + bias` (`accumulate`: added to what `out` holds).
    public static func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight w: PackedWeight,
                               bias: UnsafePointer<Float>?, n: Int, accumulate: Bool = false) {
        let rows = w.rows, cols = w.cols
        guard n > 0, rows > 0 else { return }
        if !accumulate {
            for r in 0..<n {
                if let bias { (out + r * rows).update(from: bias, count: rows) } else { (out + r * rows).update(repeating: 0, count: rows) }
            }
        } else if let bias {
            for r in 0..<n { for j in 0..<rows { out[r * rows + j] += bias[j] } }
        }
        if n <= gemvMaxRows {
            for t in 0..<n { gemv(out: out + t * rows, x: x + t * cols, weight: w) }
        } else {
            gemm(out: out, x: x, weight: w, n: n)
        }
    }

    /// `y[rows] += weight · x[cols]` with the fused kernel.
    public static func gemv(out y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight w: PackedWeight) {
        var sums: [Float] = []
        if w.zeroPoint == .offsets {
            sums = [Float](repeating: 0, count: w.groups)
            for g in 0..<w.groups {
                var s: Float = 0
                for c in (g * w.groupSize)..<min(w.cols, (g + 1) * w.groupSize) { s += x[c] }
                sums[g] = s
            }
        }
        let parts = w.rows * w.cols >= parallelMinimum ? min(threads, max(1, w.rows / 16)) : 1
        sums.withUnsafeBufferPointer { sp in
            let sumPointer = sp.baseAddress
            w.withDescriptor { d in
                if parts == 1 {
                    scalpel_packed_gemv(d, x, sumPointer, y, 0, w.rows, 1)
                } else {
                    let step = (w.rows + parts - 1) / parts, rows = w.rows
                    let shared = SharedPointers(d: d, x: x, sums: sumPointer, y: y)
                    DispatchQueue.concurrentPerform(iterations: parts) { p in
                        let begin = p * step, end = min(rows, begin + step)
                        if begin < end { scalpel_packed_gemv(shared.d, shared.x, shared.sums, shared.y, begin, end, 1) }
                    }
                }
            }
        }
    }

    /// `out[n, rows] += x[n, cols] · weightᵀ` through dequantized panels of weight rows and sgemm.
    static func gemm(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight w: PackedWeight, n: Int) {
        let rows = w.rows, cols = w.cols
        // About 1 MiB of f32 per panel: it stays in cache while sgemm reads it.
        let tile = min(rows, max(16, (1 << 18) / max(cols, 1)))
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: tile * cols)
        defer { panel.deallocate() }
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + tile), count = r1 - r0
            let parts = count * cols >= parallelMinimum ? min(threads, count) : 1
            if parts == 1 {
                w.dequantize(rows: r0..<r1, into: panel)
            } else {
                let step = (count + parts - 1) / parts
                let base = r0, shared = SharedPanel(panel: panel)
                DispatchQueue.concurrentPerform(iterations: parts) { p in
                    let begin = base + p * step, end = min(r1, begin + step)
                    if begin < end { w.dequantize(rows: begin..<end, into: shared.panel + (begin - base) * cols) }
                }
            }
            ScalpelTensor.gemm(false, true, n, count, cols, 1, x, cols, UnsafePointer(panel), cols, 1, out + r0, rows)
            r0 = r1
        }
    }
}

/// Pointers handed to the worker threads of one call; each thread writes a disjoint range of rows.
private struct SharedPointers: @unchecked Sendable {
    let d: UnsafePointer<scalpel_packed_weight>
    let x: UnsafePointer<Float>
    let sums: UnsafePointer<Float>?
    let y: UnsafeMutablePointer<Float>
}

/// The panel the worker threads of one call fill, each its own rows.
private struct SharedPanel: @unchecked Sendable {
    let panel: UnsafeMutablePointer<Float>
}
