import Testing
import ScalpelTensor

@Suite("Activations and softmax")
struct ActivationTests {
    static let points: [Double] = [-2, -1, 0, 1, 2]

    func apply<A: ElementwiseActivation>(_ a: A.Type) throws -> [Double] {
        A.forward(try Tensor(shape: [5], storage: Self.points)).storage
    }

    @Test("SiLU at known points")
    func silu() throws {
        #expect(close(try apply(SiLU.self), [-0.2384058440442351, -0.2689414213699951, 0, 0.7310585786300049, 1.7615941559557646], atol: 1e-14))
    }

    @Test("GELU, erf form, at known points")
    func geluErf() throws {
        #expect(close(try apply(GELUErf.self), [-0.04550026389635842, -0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416], atol: 1e-14))
    }

    @Test("GELU, tanh form, at known points")
    func geluTanh() throws {
        #expect(close(try apply(GELUTanh.self), [-0.04540230591222494, -0.15880800939172324, 0, 0.8411919906082768, 1.954597694087775], atol: 1e-14))
    }

    @Test("quick GELU at known points")
    func quickGELU() throws {
        #expect(close(try apply(QuickGELU.self), [-0.06434137685579186, -0.1542042340671787, 0, 0.8457957659328212, 1.9356586231442083], atol: 1e-14))
    }

    @Test("the Float GELUs stay within float accuracy of the Double ones over [-8, 8]")
    func floatAccuracy() throws {
        let xs = (0...1600).map { Double($0) / 100 - 8 }
        let xd = try Tensor<Double>(shape: [xs.count], storage: xs)
        let xf = xd.converted(to: Float.self)
        for (name, f, d) in [("erf", GELUErf.forward(xf), GELUErf.forward(xd)), ("tanh", GELUTanh.forward(xf), GELUTanh.forward(xd))] {
            let worst = zip(f.storage, zip(d.storage, xs)).map { abs(Double($0) - $1.0) / max(1, abs($1.1)) }.max()!
            #expect(worst < 5e-7, "gelu \(name): worst error \(worst)")
        }
        let one = try Tensor<Double>(shape: [xs.count], repeating: 1)
        let gf = try GELUErf.backward(dOut: one.converted(to: Float.self), x: xf)
        let gd = try GELUErf.backward(dOut: one, x: xd)
        #expect(maxAbsDiff(gf.storage.map(Double.init), gd.storage) < 1e-6)
    }

    @Test("activations stay finite far from zero")
    func extremes() throws {
        let x = try Tensor<Float>(shape: [4], storage: [-1000, -90, 90, 1000])
        for out in [SiLU.forward(x), GELUErf.forward(x), GELUTanh.forward(x), QuickGELU.forward(x)] {
            #expect(out.storage.allSatisfy { $0.isFinite })
            #expect(out.storage[0] == 0 || abs(out.storage[0]) < 1e-30)
            #expect(out.storage[3] == 1000)
        }
        let d = try SiLU.backward(dOut: Tensor(shape: [4], repeating: 1), x: x)
        #expect(d.storage.allSatisfy { $0.isFinite })
    }

    @Test("SwiGLU is silu(gate)·up")
    func swiglu() throws {
        let gate = try Tensor<Double>(shape: [2], storage: [1, -1]), up = try Tensor<Double>(shape: [2], storage: [2, 3])
        #expect(close(try SwiGLU.forward(gate: gate, up: up).storage, [2 * 0.7310585786300049, 3 * -0.2689414213699951], atol: 1e-14))
    }

    @Test("the SwiGLU MLP is down(silu(gate(x)) ⊙ up(x))")
    func swigluMLP() throws {
        var rng = SplitMix(seed: 21)
        let x = try Tensor<Double>(shape: [2, 3], storage: rng.array(6))
        let wg = try Tensor<Double>(shape: [4, 3], storage: rng.array(12))
        let wu = try Tensor<Double>(shape: [4, 3], storage: rng.array(12))
        let wd = try Tensor<Double>(shape: [3, 4], storage: rng.array(12))
        let mlp = try SwiGLUMLP.forward(x, wGate: wg, wUp: wu, wDown: wd)
        let g = try Linear.forward(x, weight: wg), u = try Linear.forward(x, weight: wu)
        let h = try SwiGLU.forward(gate: g, up: u)
        #expect(mlp.gate == g && mlp.up == u && mlp.hidden == h)
        #expect(mlp.out == (try Linear.forward(h, weight: wd)))
    }

    @Test("config names pick the matching kernel")
    func hiddenActivation() throws {
        #expect(try HiddenActivation(configName: "silu") == .silu)
        #expect(try HiddenActivation(configName: "gelu") == .gelu)
        #expect(try HiddenActivation(configName: "gelu_pytorch_tanh") == .geluTanh)
        #expect(try HiddenActivation(configName: "gelu_new") == .geluTanh)
        #expect(try HiddenActivation(configName: "quick_gelu") == .quickGELU)
        var out = [Double](repeating: 0, count: 5)
        HiddenActivation.quickGELU.forward(out: &out, x: Self.points, count: 5)
        #expect(out == (try apply(QuickGELU.self)))
        var d = [Double](repeating: 1, count: 5)
        HiddenActivation.gelu.backward(dX: &d, dOut: [1, 1, 1, 1, 1], x: Self.points, count: 5)
        #expect(abs(d[2] - 1.5) < 1e-15)   // 1 + gelu'(0) = 1 + 0.5
    }

    @Test("softmax of [1, 2, 3] and of a row of large equal values")
    func softmax() throws {
        let x = try Tensor<Double>(shape: [2, 3], storage: [1, 2, 3, 1000, 1000, 1000])
        let out = try Softmax.forward(x)
        let third = 1.0 / 3
        #expect(close(out.storage, [0.09003057317038046, 0.24472847105479767, 0.6652409557748219, third, third, third], atol: 1e-14))
        let f = try Softmax.forward(Tensor<Float>(shape: [1, 2], storage: [-1e30, 1e30]))
        #expect(f.storage == [0, 1])
    }

    @Test("softmax backward is orthogonal to a constant shift")
    func softmaxBackward() throws {
        let y = try Softmax.forward(Tensor<Double>(shape: [1, 4], storage: [0.1, -0.3, 2, 0.7]))
        let dx = try Softmax.backward(dOut: Tensor(shape: [1, 4], repeating: 3), out: y)
        #expect(dx.storage.allSatisfy { abs($0) < 1e-15 })
    }
}
