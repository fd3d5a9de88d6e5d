import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

/// Taylor scores formed one group of tensors at a time equal those formed from the whole block
/// gradient at once.
@Suite struct TaylorGradientGroupsTests {
    @Test func groupsAreConsecutiveAndWithinTheBudget() {
        let tensors = [("a", 4), ("b", 8), ("c", 8), ("d", 20), ("e", 2), ("f", 6)]
        #expect(CalibrationRunner.gradientGroups(tensors, budget: 16) == [["a", "b"], ["c"], ["d"], ["e", "f"]])
        #expect(CalibrationRunner.gradientGroups(tensors, budget: 1) == tensors.map { [$0.0] })
        #expect(CalibrationRunner.gradientGroups(tensors, budget: 1000) == [tensors.map(\.0)])
    }

    @Test func groupedGradientsGiveTheAllAtOnceScores() throws {
        let tiny = try TinyModel(layers: 3, seed: 5)
        let runner = try tiny.runner(microBatch: 2)
        let set = try CalibrationSet.text(tokens: TinyModel.tokens(41), samples: 10, seqLen: 12)
        let stats = try runner.forwardPass(set, keepInputs: true)
        let reference = try allAtOnce(runner, set, stats)
        let c = tiny.config, h = c.hiddenSize
        // One tensor per group; mixed groups (norm + q, k + v, …); the default (one group here).
        for budget in [1, 4 * (h * h + h), nil] {
            let grouped = try runner.taylor(set, forward: stats, gradientBytes: budget)
            #expect(grouped.loss == reference.loss)
            for b in 0..<c.numHiddenLayers {
                #expect(abs(grouped.absolute[b] - reference.absolute[b]) <= 1e-12 * reference.absolute[b], "block \(b), budget \(String(describing: budget))")
                #expect(abs(grouped.signed[b] - reference.signed[b]) <= 1e-12 * reference.absolute[b], "block \(b), budget \(String(describing: budget))")
            }
        }
        #expect(CalibrationRunner.gradientGroups(try runner.block(0).named.map { ($0.suffix, 4 * $0.buffer.count) }, budget: 4 * (h * h + h)).count > 3)
    }

    /// Taylor as first written: every micro-batch's backward accumulates the whole block gradient,
    /// then Σ|g ⊙ W| is taken over it.
    func allAtOnce(_ runner: CalibrationRunner, _ set: CalibrationSet, _ stats: CalibrationRunner.ForwardStats) throws
        -> (absolute: [Double], signed: [Double], loss: Double) {
        let c = runner.config, h = c.hiddenSize, L = set.seqLen
        let spill = try #require(stats.blockInputs)
        let ctx = try runner.context(set)
        let dx = FloatBuffer(count: set.batch * L * h)
        let loss = runner.lossGradient(stats.output, set, head: try runner.head(), dx: dx)
        var absolute = [Double](repeating: 0, count: runner.layers), signed = absolute
        let input = FloatBuffer(count: set.batch * L * h)
        for i in stride(from: runner.layers - 1, through: 0, by: -1) {
            let weights = try runner.block(i)
            let grads = LlamaBlockGradients(config: c)
            grads.inputNorm.zero(); grads.postNorm.zero()
            let block = LlamaBlock(config: c, weights: weights)
            try spill.read(i, into: input)
            for (first, count) in runner.chunks(set) {
                let saved = LlamaBlockActivations(config: c, batch: count, seqLen: L)
                let step = BlockStep(batch: count, seqLen: L)
                let x = FloatBuffer(count: count * L * h)
                x.pointer.update(from: input.pointer + first * L * h, count: count * L * h)
                block.forward(x.pointer, step: step, positions: ctx.positions, invFreq: ctx.invFreq, attentionScaling: ctx.scaling,
                              keyMask: Array(ctx.keyMask[(first * L)...]), saved: saved)
                block.backward(dx.pointer + first * L * h, step: step, positions: ctx.positions, invFreq: ctx.invFreq,
                               attentionScaling: ctx.scaling, saved: saved, grads: grads)
            }
            for ((_, w), (_, g)) in zip(weights.named, grads.named) {
                for j in 0..<w.count {
                    let p = Double(w.pointer[j]) * Double(g.pointer[j])
                    absolute[i] += abs(p)
                    signed[i] += p
                }
            }
        }
        return (absolute, signed, loss)
    }
}
