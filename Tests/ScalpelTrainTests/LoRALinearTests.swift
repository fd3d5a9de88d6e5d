import ScalpelModels
import Testing
@testable import ScalpelTrain

/// The LoRA adapter's backward against central finite differences of its forward, with and without dropout.
@Suite("LoRA linear")
struct LoRALinearTests {
    static func setup(dropout: Float) -> (LoRALinear, x: [Float], probe: [Float]) {
        var rng = SeededRandom(seed: 3)
        let lora = LoRALinear(inFeatures: 6, outFeatures: 5, rank: 3, scale: 1.5, dropout: dropout, rng: &rng)
        for i in 0..<lora.b.count { lora.b.pointer[i] = rng.nextFloat(in: -1, 1) }
        lora.dropoutKey = 1234
        let x = (0..<(4 * 6)).map { _ in rng.nextFloat(in: -1, 1) }
        let probe = (0..<(4 * 5)).map { _ in rng.nextFloat(in: -1, 1) }
        return (lora, x, probe)
    }

    /// L = Σ Δ(x) ⊙ probe.
    static func loss(_ lora: LoRALinear, _ x: [Float], _ probe: [Float]) -> Double {
        let out = FloatBuffer(count: probe.count)
        x.withUnsafeBufferPointer { lora.forward(out: out.pointer, x: $0.baseAddress!, n: 4) }
        return zip(out.array, probe).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test("dA, dB and dx match finite differences", arguments: [Float(0), 0.3])
    func gradients(dropout: Float) {
        let (lora, x, probe) = Self.setup(dropout: dropout)
        let dX = FloatBuffer(count: x.count)
        x.withUnsafeBufferPointer { xp in
            probe.withUnsafeBufferPointer { pp in
                lora.backward(dX: dX.pointer, dOut: pp.baseAddress!, x: xp.baseAddress!, n: 4)
            }
        }
        let h: Float = 1e-2
        func close(_ a: Double, _ n: Double) -> Bool { abs(a - n) <= 1e-3 * max(abs(a), abs(n)) + 1e-4 }
        for i in 0..<x.count {
            var plus = x, minus = x
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.loss(lora, plus, probe) - Self.loss(lora, minus, probe)) / Double(2 * h)
            #expect(close(Double(dX.pointer[i]), numeric), "x[\(i)]: \(dX.pointer[i]) vs \(numeric)")
        }
        for (name, value, grad) in [("A", lora.a, lora.gradA), ("B", lora.b, lora.gradB)] {
            for i in 0..<value.count {
                let saved = value.pointer[i]
                value.pointer[i] = saved + h
                let plus = Self.loss(lora, x, probe)
                value.pointer[i] = saved - h
                let minus = Self.loss(lora, x, probe)
                value.pointer[i] = saved
                let numeric = (plus - minus) / Double(2 * h)
                #expect(close(Double(grad.pointer[i]), numeric), "\(name)[\(i)]: \(grad.pointer[i]) vs \(numeric)")
            }
        }
    }

    @Test("dropout masks are fixed by the key, scale kept elements by 1/(1-p), and vanish in evaluation")
    func dropoutMask() {
        let (lora, x, probe) = Self.setup(dropout: 0.5)
        let first = Self.loss(lora, x, probe)
        #expect(Self.loss(lora, x, probe) == first)
        lora.dropoutKey = 99
        #expect(Self.loss(lora, x, probe) != first)
        lora.training = false
        let (plain, _, _) = Self.setup(dropout: 0)
        #expect(Self.loss(lora, x, probe) == Self.loss(plain, x, probe))
    }

    @Test("A starts uniform in ±1/√in (kaiming_uniform_ with a=√5) and B at zero")
    func initialisation() {
        var rng = SeededRandom(seed: 1)
        let lora = LoRALinear(inFeatures: 64, outFeatures: 32, rank: 8, scale: 2, rng: &rng)
        let bound: Float = 1 / 8
        #expect(lora.a.array.allSatisfy { abs($0) <= bound })
        #expect(lora.a.array.map(abs).max()! > 0.9 * bound)
        #expect(lora.b.array.allSatisfy { $0 == 0 })
    }
}
