import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

@Suite struct BlockCriteriaTests {
    // 3 windows of 12 and a short one of 5: padding and micro-batches both exercised.
    static let stream = TinyModel.tokens(41)
    static let seqLen = 12

    func calibration() throws -> CalibrationSet {
        try CalibrationSet.text(tokens: Self.stream, samples: 10, seqLen: Self.seqLen)
    }

    func windows() -> [[Int]] {
        stride(from: 0, to: Self.stream.count, by: Self.seqLen).map { Array(Self.stream[$0..<min($0 + Self.seqLen, Self.stream.count)]) }
    }

    @Test func textWindowsAndWarnings() throws {
        let set = try calibration()
        #expect(set.batch == 4 && set.seqLen == 12)
        #expect(set.realTokens == 41)
        #expect(set.predictedTokens == 41 - 4)
        #expect(set.warnings.count == 1)
        #expect(set.lastPositions == [11, 11, 11, 4])
        let two = try CalibrationSet.text(tokens: Self.stream, samples: 2, seqLen: 12)
        #expect(two.batch == 2 && two.warnings.isEmpty)
        #expect(throws: CompressError.self) { try CalibrationSet.text(tokens: [5], samples: 2, seqLen: 12) }
    }

    @Test func blockInfluenceAngularAndMagnitudeMatchDirectComputation() throws {
        let tiny = try TinyModel()
        let model = try tiny.model()
        let stats = try tiny.runner(microBatch: 3).forwardPass(try calibration())
        let layers = model.blocks.count
        var cosSum = [Double](repeating: 0, count: layers), count = 0
        var angular = [Double](repeating: 0, count: layers)
        for window in windows() {
            let states = try TinyModel.hiddenStates(model, tokens: window)
            let h = model.config.hiddenSize
            for l in 0..<layers {
                for t in 0..<window.count {
                    let a = Array(states[l][(t * h)..<((t + 1) * h)]), b = Array(states[l + 1][(t * h)..<((t + 1) * h)])
                    let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    let na = a.reduce(0.0) { $0 + Double($1) * Double($1) }, nb = b.reduce(0.0) { $0 + Double($1) * Double($1) }
                    cosSum[l] += dot / (na.squareRoot() * nb.squareRoot())
                }
                let t = window.count - 1
                let a = Array(states[l][(t * h)..<((t + 1) * h)]), b = Array(states[l + 1][(t * h)..<((t + 1) * h)])
                angular[l] += angularDistance(a, b) / Double(windows().count)
            }
            count += window.count
        }
        for l in 0..<layers {
            #expect(abs(stats.blockInfluence[l] - (1 - cosSum[l] / Double(count))) < 1e-5, "BI block \(l)")
            #expect(abs(ImportanceScorer.angular(stats.lastStates, run: 1)[l] - angular[l]) < 1e-5, "angular block \(l)")
            let magnitude = model.blocks[l].named.reduce(0.0) { $0 + $1.buffer.array.reduce(0.0) { $0 + Double(abs($1)) } }
            #expect(abs(stats.magnitude[l] - magnitude) < 1e-6 * magnitude)
        }
        #expect(stats.blockInfluenceImage.allSatisfy { $0 == nil })
        // Runs of 2: the distance from the state entering block ℓ to the one entering ℓ+2.
        #expect(ImportanceScorer.angular(stats.lastStates, run: 2).count == layers - 1)
    }

    @Test func leaveOneOutMatchesPerplexityOfTheModelWithoutTheBlock() throws {
        let tiny = try TinyModel()
        let model = try tiny.model()
        let loo = try tiny.runner().leaveOneOut(try calibration())
        let full = try Perplexity.evaluate(model, tokens: Self.stream, context: Self.seqLen)
        #expect(abs(loo.base - full.meanNLL) < 1e-5)
        for b in 0..<model.blocks.count {
            let direct = try Perplexity.evaluate(TinyModel.without(model, drop: [b]), tokens: Self.stream, context: Self.seqLen)
            #expect(abs(loo.skipped[b]! - direct.meanNLL) < 1e-5, "block \(b): \(loo.skipped[b]!) vs \(direct.meanNLL)")
        }
        // With block 1 already removed (a SLEB round).
        let round = try tiny.runner().leaveOneOut(try calibration(), removed: [1])
        #expect(round.skipped[1] == nil)
        let direct = try Perplexity.evaluate(TinyModel.without(model, drop: [1, 3]), tokens: Self.stream, context: Self.seqLen)
        #expect(abs(round.skipped[3]! - direct.meanNLL) < 1e-5)
    }

    @Test func taylorSignedSumIsTheDerivativeAlongTheWeights() throws {
        // Σ g ⊙ W = d/dε L(W·(1+ε)) at ε = 0: checked by central differences on the whole model.
        let tiny = try TinyModel()
        let model = try tiny.model()
        let runner = try tiny.runner()
        let set = try calibration()
        let stats = try runner.forwardPass(set, keepInputs: true)
        let taylor = try runner.taylor(set, forward: stats)
        let eps: Float = 8e-3
        for b in 0..<model.blocks.count {
            func loss(_ scale: Float) throws -> Double {
                let m = try tiny.model()
                for (_, buffer) in m.blocks[b].named { for j in 0..<buffer.count { buffer.pointer[j] *= scale } }
                return try Perplexity.evaluate(m, tokens: Self.stream, context: Self.seqLen).meanNLL
            }
            // Central differences at ε and ε/2, Richardson-extrapolated (error O(ε⁴)).
            let wide = (try loss(1 + eps) - loss(1 - eps)) / Double(2 * eps)
            let narrow = (try loss(1 + eps / 2) - loss(1 - eps / 2)) / Double(eps)
            let fd = (4 * narrow - wide) / 3
            #expect(abs(fd - taylor.signed[b]) < 5e-4 + 0.005 * abs(fd), "block \(b): finite difference \(fd), Σ g⊙W \(taylor.signed[b])")
            #expect(taylor.absolute[b] >= abs(taylor.signed[b]))
        }
        #expect(abs(taylor.loss - (try Perplexity.evaluate(model, tokens: Self.stream, context: Self.seqLen).meanNLL)) < 1e-5)
    }

    @Test func streamingInMicroBatchesEqualsOneBatch() throws {
        let tiny = try TinyModel()
        var options = ImportanceScorer.Options()
        options.criteria = [.blockInfluence, .angular, .taylor, .magnitude, .looPPL]
        let one = try ImportanceScorer(runner: try tiny.runner(microBatch: 1), options: options).score(domain: try calibration())
        let all = try ImportanceScorer(runner: try tiny.runner(microBatch: 64), options: options).score(domain: try calibration())
        for name in options.criteria.map(\.rawValue) {
            let a = try #require(one.scores[name]), b = try #require(all.scores[name])
            let scale = b.map(abs).max()!
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, scale) }, "\(name): \(a) vs \(b)")
        }
    }

    @Test func slebRemovesTheCheapestBlockEachRound() throws {
        let tiny = try TinyModel()
        let model = try tiny.model()
        var options = ImportanceScorer.Options()
        options.criteria = [.sleb, .looPPL]
        options.slebSteps = 2
        let result = try ImportanceScorer(runner: try tiny.runner(), options: options).score(domain: try calibration())
        let steps = try #require(result.sleb)
        #expect(steps.count == 2)
        #expect(steps[0].removed == result.order["loo_ppl"]![0])
        // Second pick: the block whose removal, after the first, gives the lowest perplexity.
        let rest = (0..<5).filter { $0 != steps[0].removed }
        let ppl = try rest.map { try Perplexity.evaluate(TinyModel.without(model, drop: [steps[0].removed, $0]), tokens: Self.stream, context: Self.seqLen).perplexity }
        let best = rest[ppl.indices.min { ppl[$0] < ppl[$1] }!]
        #expect(steps[1].removed == best)
        #expect(abs(steps[1].perplexity - ppl.min()!) < 1e-3 * ppl.min()!)
        #expect(Array(result.order["sleb"]!.prefix(2)) == [steps[0].removed, steps[1].removed])
    }

    @Test func domainContrastStatesLambdaAndKendallTau() throws {
        let tiny = try TinyModel()
        let general = try CalibrationSet.text(tokens: TinyModel.tokens(60, seed: 9), samples: 5, seqLen: 12)
        var options = ImportanceScorer.Options()
        options.criteria = [.blockInfluence, .domainContrast]
        options.lambda = 0.5
        let runner = try tiny.runner()
        let result = try ImportanceScorer(runner: runner, options: options).score(domain: try calibration(), general: general)
        let d = try runner.forwardPass(try calibration()).blockInfluence, g = try runner.forwardPass(general).blockInfluence
        let expected = zip(d, g).map { $0 - 0.5 * $1 }
        #expect(zip(result.scores["domain_contrast"]!, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(result.contrast?.lambda == 0.5)
        #expect(result.kendallTau == KendallTau.tauB(expected, d))
        let json = try result.json()
        #expect(json.contains("\"lambda\":0.5"))
        #expect(json.contains("\"order\""))
        // Without general data the contrast cannot be formed.
        #expect(throws: CompressError.self) { try ImportanceScorer(runner: runner, options: options).score(domain: try calibration()) }
    }

    @Test func automaticMicroBatchFitsTheBudget() {
        let seven = ModelConfig.Llama(vocabSize: 32000, hiddenSize: 4096, intermediateSize: 11008, numHiddenLayers: 32, numAttentionHeads: 32)
        #expect(CalibrationRunner.automaticMicroBatch(config: seven, seqLen: 256) == 1)
        let smol = ModelConfig.Llama(vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30,
                                     numAttentionHeads: 9, numKeyValueHeads: 3)
        // 256·(4·576 + 2·576 + 2·192 + 3·1536 + 2) + 9·256² floats = 11.0 MB per sequence → 12 in 128 MiB.
        #expect(CalibrationRunner.automaticMicroBatch(config: smol, seqLen: 256) == 12)
    }

    @Test func criterionNames() throws {
        #expect(try BlockCriterion.parseList("block_influence,loo_ppl, taylor") == [.blockInfluence, .looPPL, .taylor])
        #expect(throws: CompressError.self) { try BlockCriterion.parseList("bi") }
        #expect(removalOrder([0.3, 0.1, 0.3, 0.05]) == [3, 1, 0, 2])
    }
}

@Suite struct ImportanceStudyTests {
    @Test func studyRemovesEachCriterionsChoice() throws {
        let tiny = try TinyModel()
        let model = try tiny.model()
        let stream = BlockCriteriaTests.stream
        let set = try CalibrationSet.text(tokens: stream, samples: 10, seqLen: 12)
        var options = ImportanceScorer.Options()
        options.criteria = [.blockInfluence, .angular]
        let scorer = ImportanceScorer(runner: try tiny.runner(), options: options)
        var result = try scorer.score(domain: set)
        try scorer.study(&result, counts: [2], domain: set, general: nil)
        #expect(result.study.count == 2)
        for row in result.study {
            if row.criterion == "angular" {
                let start = try #require(result.angularBestStart[2])
                #expect(row.dropped == [start, start + 1])
            } else {
                #expect(row.dropped == Array(result.order[row.criterion]!.prefix(2)).sorted())
            }
            let direct = try Perplexity.evaluate(TinyModel.without(model, drop: Set(row.dropped)), tokens: stream, context: 12)
            #expect(abs(row.domainPerplexity - direct.perplexity) < 1e-4 * direct.perplexity)
        }
    }
}
