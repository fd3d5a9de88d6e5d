import Foundation

/// Folding AWQ scales: a linear `[rows, cols]` multiplies its input columns by `s`; the op before it
/// (a norm's weight, or the rows of the linear that produces the input) divides by `s`.
public enum AWQFold {
    /// One block's tensors that AWQ scales.
    public struct Tensors: Sendable, Equatable {
        public var q, k, v, o, gate, up, down, inputNorm, postNorm: [Float]
        public var vBias, upBias: [Float]?

        public init(q: [Float], k: [Float], v: [Float], o: [Float], gate: [Float], up: [Float], down: [Float],
                    inputNorm: [Float], postNorm: [Float], vBias: [Float]? = nil, upBias: [Float]? = nil) {
            (self.q, self.k, self.v, self.o, self.gate, self.up, self.down) = (q, k, v, o, gate, up, down)
            (self.inputNorm, self.postNorm, self.vBias, self.upBias) = (inputNorm, postNorm, vBias, upBias)
        }

        /// Folds the four scale vectors: input norm → q/k/v, v → o (nil: skipped), post norm → gate/up,
        /// up → down. In exact arithmetic the block computes the same function afterwards.
        public mutating func fold(hidden h: Int, qDim qd: Int, intermediate ff: Int, inputNorm s1: [Float], vToO s2: [Float]?,
                                  postNorm s3: [Float], upToDown s4: [Float]) {
            scaleColumns(&q, cols: h, s1); scaleColumns(&k, cols: h, s1); scaleColumns(&v, cols: h, s1)
            divide(&inputNorm, s1)
            if let s2 {
                divideRows(&v, cols: h, s2)
                if vBias != nil { divide(&vBias!, s2) }
                scaleColumns(&o, cols: qd, s2)
            }
            scaleColumns(&gate, cols: h, s3); scaleColumns(&up, cols: h, s3)
            divide(&postNorm, s3)
            divideRows(&up, cols: h, s4)
            if upBias != nil { divide(&upBias!, s4) }
            scaleColumns(&down, cols: ff, s4)
        }
    }

    public static func scaleColumns(_ w: inout [Float], cols: Int, _ s: [Float]) {
        for i in w.indices { w[i] *= s[i % cols] }
    }

    public static func divideRows(_ w: inout [Float], cols: Int, _ s: [Float]) {
        for i in w.indices { w[i] /= s[i / cols] }
    }

    public static func divide(_ v: inout [Float], _ s: [Float]) {
        for i in v.indices { v[i] /= s[i] }
    }

    public static func dividedColumns(_ x: [Float], cols: Int, _ s: [Float]) -> [Float] {
        var out = x
        for i in out.indices { out[i] /= s[i % cols] }
        return out
    }
}
