import ScalpelTensor

/// One gradient element where the analytic and numeric values disagree.
struct GradMismatch: CustomStringConvertible {
    var input: String
    var inputIndex: Int
    var index: Int
    var analytic: Double
    var numeric: Double
    var description: String { "\(input)[\(index)]: analytic \(analytic), numeric \(numeric)" }
}

/// The outcome of a finite-difference check.
struct GradReport {
    var mismatches: [GradMismatch]
    /// The largest `|a − n| / max(|a| + |n|, floor)` seen.
    var worst: Double
    var checked: Int
}

/// Central-difference gradient check in Float64 on the scalar loss `L = Σ out ⊙ R` (R fixed,
/// random). Each analytic element `a` must meet its numeric estimate `n = (L(x+h) − L(x−h)) / 2h`
/// with `|a − n| ≤ tolerance · max(|a| + |n|, floor)`; the floor keeps round-off in `L` (about
/// 1e-16·|L|/h) from failing elements whose true gradient is zero.
func gradientCheck(
    _ c: GradCase<Double>, h: Double = 1e-5, tolerance: Double = 1e-6, floor: Double = 1e-3,
    backward: ((_ inputs: [[Double]], _ dOut: [Double], _ grads: inout [[Double]]) -> Void)? = nil
) -> GradReport {
    let out = c.forward(c.inputs)
    var rng = SplitMix(seed: 0x5EED)
    let r: [Double] = rng.array(out.count)
    func loss(_ inputs: [[Double]]) -> Double {
        zip(c.forward(inputs), r).reduce(0) { $0 + $1.0 * $1.1 }
    }
    var grads = c.inputs.map { [Double](repeating: 0, count: $0.count) }
    (backward ?? c.backward)(c.inputs, r, &grads)
    var report = GradReport(mismatches: [], worst: 0, checked: 0)
    for k in c.inputs.indices {
        for i in c.inputs[k].indices {
            var plus = c.inputs, minus = c.inputs
            plus[k][i] += h
            minus[k][i] -= h
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            let analytic = grads[k][i]
            let ratio = abs(analytic - numeric) / max(abs(analytic) + abs(numeric), floor)
            report.worst = max(report.worst, ratio)
            report.checked += 1
            if !(ratio <= tolerance) {
                report.mismatches.append(GradMismatch(input: c.inputNames[k], inputIndex: k, index: i,
                                                      analytic: analytic, numeric: numeric))
            }
        }
    }
    return report
}
