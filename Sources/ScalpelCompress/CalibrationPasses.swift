import Foundation
import ScalpelFormats
import ScalpelModels
import ScalpelTensor

extension CalibrationRunner {
    /// What one streamed forward pass records per block.
    public struct ForwardStats {
        /// 1 − mean cos(h_in, h_out) over real tokens, per block; and split by token class
        /// (nil for a class absent from the data).
        public var blockInfluence: [Double]
        public var blockInfluenceText: [Double?]
        public var blockInfluenceImage: [Double?]
        /// `lastStates[ℓ][b]`: the hidden state entering block ℓ (ℓ = layers: leaving the last block)
        /// at sequence b's last real token.
        public var lastStates: [[[Float]]]
        /// Σ |W| per block.
        public var magnitude: [Double]
        /// The stream entering each block, spilled to a temporary file (only when asked to keep them).
        public var blockInputs: CalibrationSpill?
        /// The stream leaving the last block.
        public var output: FloatBuffer
    }

    /// Streams `set` through every block once.
    public func forwardPass(_ set: CalibrationSet, keepInputs: Bool = false) throws -> ForwardStats {
        let h = config.hiddenSize, rows = set.batch * set.seqLen
        let ctx = try context(set)
        let x = try inputs(set)
        let before = FloatBuffer(count: rows * h)
        let last = set.lastPositions
        var stats = ForwardStats(blockInfluence: [], blockInfluenceText: [], blockInfluenceImage: [], lastStates: [],
                                 magnitude: [], blockInputs: keepInputs ? try CalibrationSpill(count: rows * h) : nil, output: x)
        func snapshot() -> [[Float]] {
            (0..<set.batch).map { b in Array(UnsafeBufferPointer(start: x.pointer + (b * set.seqLen + last[b]) * h, count: h)) }
        }
        var scratch: LlamaBlockActivations?
        for i in 0..<layers {
            let weights = try block(i)
            stats.magnitude.append(weights.named.reduce(0.0) { total, p in
                var s = 0.0
                for j in 0..<p.buffer.count { s += Double(abs(p.buffer.pointer[j])) }
                return total + s
            })
            stats.lastStates.append(snapshot())
            before.pointer.update(from: x.pointer, count: rows * h)
            try stats.blockInputs?.append(x)
            run(weights, on: x, ctx, scratch: &scratch)
            var sums = [0.0, 0.0, 0.0], counts = [0, 0, 0]
            for r in 0..<rows where set.classes[r] != .padding {
                let c = cosine(before.pointer + r * h, x.pointer + r * h, h)
                let k = Int(set.classes[r].rawValue)
                sums[k] += c; counts[k] += 1
                sums[0] += c; counts[0] += 1
            }
            stats.blockInfluence.append(1 - sums[0] / Double(max(counts[0], 1)))
            stats.blockInfluenceText.append(counts[1] > 0 ? 1 - sums[1] / Double(counts[1]) : nil)
            stats.blockInfluenceImage.append(counts[2] > 0 ? 1 - sums[2] / Double(counts[2]) : nil)
            try checkFinite(x, "block \(i)")
            onBlockInfluence?(i, stats.blockInfluence[i], stats.blockInfluenceText[i], stats.blockInfluenceImage[i])
            progress?("forward", i)
        }
        stats.lastStates.append(snapshot())
        return stats
    }

    /// First-order Taylor scores from a forward pass that kept block inputs: the loss gradient flows
    /// back block by block (each reloaded and its forward recomputed from the kept input), and each
    /// block's parameter gradient is accumulated over the whole set before Σ|g ⊙ W| is taken.
    /// Returns Σ|g ⊙ W|, Σ g ⊙ W (a directional derivative, for checks) and the mean loss.
    ///
    /// The block gradient is never held whole: its tensors are split into consecutive groups of at
    /// most `gradientBytes` (default: a quarter of the block's f32 size, at least 64 MiB; a tensor
    /// larger than that is a group of its own), and the block's micro-batches are run forward and
    /// backward once per group, forming only that group's gradients, which are reduced and freed
    /// before the next group. The last pass also carries ∂L/∂input on to the block below. A model
    /// whose block fits the budget takes one pass per block.
    public func taylor(_ set: CalibrationSet, forward stats: ForwardStats, gradientBytes: Int? = nil)
        throws -> (absolute: [Double], signed: [Double], loss: Double) {
        guard let spill = stats.blockInputs, spill.streams == layers else { throw CompressError("taylor needs the forward pass to keep block inputs") }
        guard set.predictedTokens > 0 else { throw CompressError("taylor needs text tokens to predict") }
        let h = config.hiddenSize, L = set.seqLen
        let ctx = try context(set)
        let dx = FloatBuffer(count: set.batch * L * h)
        let loss = lossGradient(stats.output, set, head: try head(), dx: dx)
        var absolute = [Double](repeating: 0, count: layers), signed = [Double](repeating: 0, count: layers)
        let chunks = chunks(set)
        let input = FloatBuffer(count: set.batch * L * h)
        let x = FloatBuffer(count: L * h * min(microBatch, set.batch))
        let upstream = FloatBuffer(count: L * h * min(microBatch, set.batch))
        for i in stride(from: layers - 1, through: 0, by: -1) {
            let weights = try block(i)
            let parameters = weights.named
            let budget = gradientBytes ?? max(64 << 20, weights.parameterCount)  // f32 bytes / 4
            let groups = Self.gradientGroups(parameters.map { ($0.suffix, 4 * $0.buffer.count) }, budget: budget)
            let blockOp = LlamaBlock(config: config, weights: weights)
            try spill.read(i, into: input)
            for (k, group) in groups.enumerated() {
                let last = k == groups.count - 1
                let grads = LlamaBlockGradients(gradientsFor: config, forming: Set(group))
                ctx.positions.withUnsafeBufferPointer { pos in
                    ctx.invFreq.withUnsafeBufferPointer { inv in
                        ctx.keyMask.withUnsafeBufferPointer { mask in
                            for (first, count) in chunks {
                                let saved = LlamaBlockActivations(config: config, batch: count, seqLen: L)
                                let step = BlockStep(batch: count, seqLen: L)
                                x.pointer.update(from: input.pointer + first * L * h, count: count * L * h)
                                blockOp.forward(x.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                                attentionScaling: ctx.scaling, keyMask: mask.baseAddress! + first * L, saved: saved)
                                // Only the last pass replaces ∂L/∂output with ∂L/∂input; the others work on a copy.
                                let d: UnsafeMutablePointer<Float>
                                if last { d = dx.pointer + first * L * h } else {
                                    upstream.pointer.update(from: dx.pointer + first * L * h, count: count * L * h)
                                    d = upstream.pointer
                                }
                                blockOp.backward(d, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                                 attentionScaling: ctx.scaling, saved: saved, grads: grads)
                            }
                        }
                    }
                }
                let formed = Dictionary(uniqueKeysWithValues: grads.named.map { ($0.suffix, $0.buffer) })
                for (suffix, w) in parameters where group.contains(suffix) {
                    guard let g = formed[suffix], g.count == w.count else { throw CompressError("no gradient formed for \(suffix)") }
                    for j in 0..<w.count {
                        let p = Double(w.pointer[j]) * Double(g.pointer[j])
                        absolute[i] += abs(p)
                        signed[i] += p
                    }
                }
            }
            progress?("taylor", i)
        }
        return (absolute, signed, loss)
    }

    /// Splits tensors (name, bytes), in order, into consecutive groups of at most `budget` bytes; a
    /// tensor larger than the budget is a group of its own.
    static func gradientGroups(_ tensors: [(String, Int)], budget: Int) -> [[String]] {
        var groups: [[String]] = [], current: [String] = [], bytes = 0
        for (name, size) in tensors {
            if !current.isEmpty && bytes + size > budget {
                groups.append(current)
                current = []; bytes = 0
            }
            current.append(name); bytes += size
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Leave-one-out losses with block-level streaming: the blocks in `removed` are skipped
    /// everywhere; for each candidate c a second stream forks at c's input, skips c and continues.
    /// Each block is loaded once and run over every live stream. Returns the mean loss with nothing
    /// more skipped and, per candidate, the mean loss with it skipped too.
    public func leaveOneOut(_ set: CalibrationSet, removed: Set<Int> = [], candidates: [Int]? = nil) throws -> (base: Double, skipped: [Int: Double]) {
        guard set.predictedTokens > 0 else { throw CompressError("leave-one-out needs text tokens to predict") }
        for r in removed where r < 0 || r >= layers { throw CompressError("block \(r) is out of range (0…\(layers - 1))") }
        let candidates = candidates ?? (0..<layers).filter { !removed.contains($0) }
        let rows = set.batch * set.seqLen, h = config.hiddenSize
        let ctx = try context(set)
        let base = try inputs(set)
        var forks: [(Int, FloatBuffer)] = []
        var scratch: LlamaBlockActivations?
        for i in 0..<layers where !removed.contains(i) {
            let weights = try block(i)
            for (_, stream) in forks { run(weights, on: stream, ctx, scratch: &scratch) }
            if candidates.contains(i) {
                let fork = FloatBuffer(count: rows * h)
                fork.pointer.update(from: base.pointer, count: rows * h)
                forks.append((i, fork))
            }
            run(weights, on: base, ctx, scratch: &scratch)
            progress?("leave-one-out", i)
        }
        let head = try head()
        let count = Double(set.predictedTokens)
        var skipped: [Int: Double] = [:]
        for (c, stream) in forks { skipped[c] = loss(stream, set, head: head).nll / count }
        return (loss(base, set, head: head).nll / count, skipped)
    }

    func checkFinite(_ x: FloatBuffer, _ stage: String) throws {
        for i in 0..<x.count where !x.pointer[i].isFinite {
            throw CompressError("non-finite activations after \(stage)")
        }
    }
}

/// cos(a, b) in double precision; 1 when either vector is zero.
func cosine(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in 0..<n {
        let x = Double(a[i]), y = Double(b[i])
        dot += x * y; na += x * x; nb += y * y
    }
    guard na > 0, nb > 0 else { return 1 }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// arccos(cos(a, b)) / π, the angular distance in [0, 1].
func angularDistance(_ a: [Float], _ b: [Float]) -> Double {
    let c = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in cosine(pa.baseAddress!, pb.baseAddress!, a.count) } }
    return Foundation.acos(min(1, max(-1, c))) / Double.pi
}
