import ScalpelTensor

/// A small deterministic generator (SplitMix64), so every run checks the same numbers.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `[-scale, scale)`.
    mutating func uniform(_ scale: Double = 1) -> Double {
        (Double(next() >> 11) / Double(1 << 53) * 2 - 1) * scale
    }

    mutating func array<T: KernelScalar>(_ count: Int, scale: Double = 1, as: T.Type = T.self) -> [T] {
        (0..<count).map { _ in T(uniform(scale)) }
    }
}

/// Owned copies of arrays as raw buffers, so test closures can hand kernels plain pointers.
final class Buffers<T: KernelScalar> {
    private(set) var pointers: [UnsafeMutablePointer<T>] = []
    private(set) var counts: [Int] = []

    init(_ arrays: [[T]]) {
        for a in arrays {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
            p.initialize(from: a, count: a.count)
            pointers.append(p)
            counts.append(a.count)
        }
    }

    convenience init(_ array: [T]) { self.init([array]) }

    subscript(_ i: Int) -> UnsafeMutablePointer<T> { pointers[i] }

    func array(_ i: Int) -> [T] { Array(UnsafeBufferPointer(start: pointers[i], count: counts[i])) }
    var arrays: [[T]] { (0..<pointers.count).map(array) }

    deinit { for p in pointers { p.deallocate() } }
}

/// Zeroed output of `count` values filled by `body`.
func output<T: KernelScalar>(_ count: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
    let b = Buffers<T>([T](repeating: 0, count: count))
    body(b[0])
    return b.array(0)
}

/// The largest `|a − b| / (tolerance scale)` style difference, for messages.
func maxAbsDiff<T: KernelScalar>(_ a: [T], _ b: [T]) -> Double {
    zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
}

/// Whether two arrays agree elementwise within `atol + rtol·|expected|`.
func close<T: KernelScalar>(_ a: [T], _ b: [Double], atol: Double = 1e-12, rtol: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= atol + rtol * abs($1) }
}

/// Runs `body` and returns the description of the error it threw, or nil.
func thrownMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}
