import Testing
import ScalpelTensor

@Suite("Gradient checks")
struct GradientCheckTests {
    @Test("analytic gradients match central differences in Float64", arguments: GradCases.names)
    func matchesFiniteDifferences(_ name: String) {
        let c = GradCases.named(name, Double.self)
        let report = gradientCheck(c)
        #expect(report.checked == c.inputs.reduce(0) { $0 + $1.count })
        #expect(report.mismatches.isEmpty, "\(name): \(report.mismatches.prefix(4)) (worst \(report.worst))")
    }

    /// Each check must be able to fail: nudge one element of each gradient in turn and expect the
    /// check to flag exactly that element.
    @Test("a perturbed backward fails the check", arguments: GradCases.names)
    func perturbedBackwardFails(_ name: String) {
        let c = GradCases.named(name, Double.self)
        for k in c.inputs.indices {
            let index = (c.inputs[k].count * 7) / 13
            let report = gradientCheck(c) { inputs, dOut, grads in
                c.backward(inputs, dOut, &grads)
                grads[k][index] += 1e-4 * max(1, abs(grads[k][index]))
            }
            #expect(report.mismatches.contains { $0.inputIndex == k && $0.index == index },
                    "\(name): nudging \(c.inputNames[k])[\(index)] went unnoticed")
            #expect(report.mismatches.count == 1, "\(name): \(report.mismatches)")
        }
    }

    @Test("a backward that drops a gradient fails the check", arguments: GradCases.names)
    func droppedGradientFails(_ name: String) {
        let c = GradCases.named(name, Double.self)
        for k in c.inputs.indices {
            let report = gradientCheck(c) { inputs, dOut, grads in
                c.backward(inputs, dOut, &grads)
                grads[k] = grads[k].map { $0 * 0.5 }
            }
            #expect(report.mismatches.contains { $0.inputIndex == k }, "\(name): halving d\(c.inputNames[k]) went unnoticed")
        }
    }

    @Test("backward adds to the gradient buffers", arguments: GradCases.names)
    func backwardAccumulates(_ name: String) {
        let c = GradCases.named(name, Double.self)
        var rng = SplitMix(seed: 42)
        let dOut: [Double] = rng.array(c.forward(c.inputs).count)
        var fresh = c.inputs.map { [Double](repeating: 0, count: $0.count) }
        c.backward(c.inputs, dOut, &fresh)
        let start = c.inputs.map { a in a.indices.map { Double($0 % 5) - 2 } }
        var accumulated = start
        c.backward(c.inputs, dOut, &accumulated)
        for k in c.inputs.indices {
            let expected = zip(start[k], fresh[k]).map { $0 + $1 }
            #expect(close(accumulated[k], expected, atol: 1e-12, rtol: 1e-12), "\(name): d\(c.inputNames[k]) was overwritten")
        }
    }

    @Test("the Float path agrees with the Double path", arguments: GradCases.names)
    func floatMatchesDouble(_ name: String) {
        let d = GradCases.named(name, Double.self)
        let f = GradCases.named(name, Float.self)
        let outD = d.forward(d.inputs)
        let outF = f.forward(f.inputs)
        let scaleOut = max(1, outD.map(abs).max() ?? 0)
        #expect(maxAbsDiff(outF.map(Double.init), outD) <= 1e-5 * scaleOut, "\(name) forward")
        var rng = SplitMix(seed: 7)
        let dOutD: [Double] = rng.array(outD.count)
        var gD = d.inputs.map { [Double](repeating: 0, count: $0.count) }
        var gF = f.inputs.map { [Float](repeating: 0, count: $0.count) }
        d.backward(d.inputs, dOutD, &gD)
        f.backward(f.inputs, dOutD.map { Float($0) }, &gF)
        for k in gD.indices {
            let scale = max(1, gD[k].map(abs).max() ?? 0)
            #expect(maxAbsDiff(gF[k].map(Double.init), gD[k]) <= 1e-5 * scale, "\(name) d\(d.inputNames[k])")
        }
    }

    @Test("every op with a backward has a case")
    func coverage() {
        let names = Set(GradCases.names)
        for required in ["matmul NN", "matmul NT", "matmul TN", "matmul TT", "linear", "linear bias", "embedding",
                         "rmsnorm", "layernorm", "rope", "attention GQA", "attention GQA padded", "attention KV cache",
                         "attention bidirectional",
                         "softmax", "silu", "gelu tanh", "gelu erf", "quick gelu", "swiglu", "swiglu mlp",
                         "residual", "cross-entropy"] {
            #expect(names.contains(required), "no gradient case named \(required)")
        }
        #expect(names.count == GradCases.names.count, "case names repeat")
    }
}
