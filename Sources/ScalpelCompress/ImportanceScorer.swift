import Foundation
import ScalpelModels

/// Scores every decoder block with the chosen criteria on calibration data (and general data for
/// `domain_contrast`), streaming the decoder one block at a time.
public struct ImportanceScorer {
    public struct Options: Sendable {
        public var criteria: [BlockCriterion] = [.blockInfluence, .angular, .magnitude, .taylor]
        /// λ in domain_contrast = base(domain) − λ · base(general).
        public var lambda: Double = 1
        /// The base criterion of domain_contrast: `.blockInfluence` or `.looPPL`.
        public var contrastBase: BlockCriterion = .blockInfluence
        /// n of the angular criterion's contiguous runs (the per-block angular score is n = 1).
        public var angularRun: Int = 1
        /// Greedy SLEB removals; nil: a quarter of the blocks (at least 1).
        public var slebSteps: Int?
        public init() {}
    }

    public let runner: CalibrationRunner
    public var options: Options
    /// Called with (criterion, scores) as each criterion's scores are complete.
    public var onScores: ((String, [Double]) -> Void)?
    /// Called with (block, score over all tokens, over text tokens, over image tokens) as each block's
    /// `block_influence` on the domain data is known, before the criterion's scores are complete.
    public var onBlockInfluence: ((Int, Double, Double?, Double?) -> Void)?

    public init(runner: CalibrationRunner, options: Options = Options()) {
        self.runner = runner
        self.options = options
    }

    /// Scores `domain` (and `general`, needed by domain_contrast).
    public func score(domain: CalibrationSet, general: CalibrationSet? = nil) throws -> ImportanceResult {
        let start = Date()
        let n = runner.layers
        var result = ImportanceResult(layers: n, samples: domain.batch, seqLen: domain.seqLen, tokens: domain.realTokens)
        result.warnings = domain.warnings + (general?.warnings ?? [])
        let wanted = Set(options.criteria)
        func publish(_ name: String, _ scores: [Double]) {
            result.scores[name] = scores
            result.order[name] = removalOrder(scores)
            onScores?(name, scores)
        }
        var domainBI: [Double]?
        if !wanted.isDisjoint(with: [.blockInfluence, .angular, .magnitude, .taylor])
            || (wanted.contains(.domainContrast) && options.contrastBase == .blockInfluence) {
            if wanted.contains(.blockInfluence) { runner.onBlockInfluence = onBlockInfluence }
            defer { runner.onBlockInfluence = nil }
            let stats = try runner.forwardPass(domain, keepInputs: wanted.contains(.taylor))
            domainBI = stats.blockInfluence
            if wanted.contains(.blockInfluence) {
                publish(BlockCriterion.blockInfluence.rawValue, stats.blockInfluence)
                if stats.blockInfluenceImage.contains(where: { $0 != nil }) {
                    result.byTokenClass["block_influence.text"] = stats.blockInfluenceText
                    result.byTokenClass["block_influence.image"] = stats.blockInfluenceImage
                }
            }
            if wanted.contains(.angular) {
                publish(BlockCriterion.angular.rawValue, Self.angular(stats.lastStates, run: 1))
                let k = max(1, min(options.angularRun, n))
                let runs = Self.angular(stats.lastStates, run: k)
                let best = runs.indices.min { runs[$0] < runs[$1] } ?? 0
                result.angularRuns = ImportanceResult.AngularRuns(n: k, distances: runs, bestStart: best)
                for len in 1..<n {
                    let d = Self.angular(stats.lastStates, run: len)
                    result.angularBestStart[len] = d.indices.min { d[$0] < d[$1] } ?? 0
                }
            }
            if wanted.contains(.magnitude) { publish(BlockCriterion.magnitude.rawValue, stats.magnitude) }
            if wanted.contains(.taylor) {
                let t = try runner.taylor(domain, forward: stats)
                publish(BlockCriterion.taylor.rawValue, t.absolute)
                result.baseLoss = t.loss
            }
        }
        var domainLOO: [Double]?
        if wanted.contains(.looPPL) || wanted.contains(.sleb) || (wanted.contains(.domainContrast) && options.contrastBase == .looPPL) {
            let loo = try runner.leaveOneOut(domain)
            result.baseLoss = loo.base
            let losses = (0..<n).map { loo.skipped[$0]! }
            domainLOO = losses.map { $0 - loo.base }
            if wanted.contains(.looPPL) { publish(BlockCriterion.looPPL.rawValue, losses.map { Foundation.exp($0) }) }
            if wanted.contains(.sleb) {
                let steps = max(1, min(options.slebSteps ?? max(1, n / 4), n - 1))
                var removed: [Int] = []
                var remainingLoss = loo.skipped
                var trace: [ImportanceResult.SlebStep] = []
                for step in 0..<steps {
                    if step > 0 { remainingLoss = try runner.leaveOneOut(domain, removed: Set(removed)).skipped }
                    let pick = remainingLoss.keys.sorted().min { remainingLoss[$0]! < remainingLoss[$1]! }!
                    removed.append(pick)
                    trace.append(.init(removed: pick, perplexity: Foundation.exp(remainingLoss[pick]!)))
                }
                // Removed blocks score their removal step; the rest rank above them by the last round's loss.
                var scores = [Double](repeating: 0, count: n)
                for (step, b) in removed.enumerated() { scores[b] = Double(step) }
                let rest = remainingLoss.keys.filter { !removed.contains($0) }.sorted { remainingLoss[$0]! < remainingLoss[$1]! }
                for (rank, b) in rest.enumerated() { scores[b] = Double(steps + rank) }
                result.sleb = trace
                publish(BlockCriterion.sleb.rawValue, scores)
            }
        }
        if wanted.contains(.domainContrast) {
            guard let general else { throw CompressError("domain_contrast needs general calibration data (--general)") }
            let domainScores: [Double], generalScores: [Double]
            switch options.contrastBase {
            case .blockInfluence:
                domainScores = domainBI!
                generalScores = try runner.forwardPass(general).blockInfluence
            case .looPPL:
                domainScores = domainLOO!
                let g = try runner.leaveOneOut(general)
                generalScores = (0..<n).map { g.skipped[$0]! - g.base }
            default:
                throw CompressError("domain_contrast's base criterion must be block_influence or loo_ppl")
            }
            let contrast = zip(domainScores, generalScores).map { $0 - options.lambda * $1 }
            result.contrast = .init(base: options.contrastBase.rawValue, lambda: options.lambda,
                                    domain: domainScores, general: generalScores)
            publish(BlockCriterion.domainContrast.rawValue, contrast)
            if let bi = domainBI ?? (wanted.contains(.blockInfluence) ? result.scores["block_influence"] : nil) {
                result.kendallTau = KendallTau.tauB(contrast, bi)
            } else {
                result.kendallTau = KendallTau.tauB(contrast, try runner.forwardPass(domain).blockInfluence)
            }
        }
        result.seconds = Date().timeIntervalSince(start)
        result.peakRSSBytes = peakResidentBytes()
        return result
    }

    /// The blocks each criterion would drop at each of `counts`: the first k of its order, except
    /// `angular`, which drops the contiguous run of k blocks with the smallest angular distance.
    public static func choices(_ result: ImportanceResult, counts: [Int]) -> [(criterion: String, dropped: [Int])] {
        var out: [(String, [Int])] = []
        for name in result.scores.keys.sorted() {
            for k in counts where k >= 1 && k < result.layers {
                if name == BlockCriterion.angular.rawValue, let start = result.angularBestStart[k] {
                    out.append((name, Array(start..<(start + k))))
                } else {
                    out.append((name, Array(result.order[name]!.prefix(k)).sorted()))
                }
            }
        }
        return out
    }

    /// Perplexity on `domain` (and `general`) after removing each criterion's choice (no healing).
    public func study(_ result: inout ImportanceResult, counts: [Int], domain: CalibrationSet, general: CalibrationSet?) throws {
        var cache: [[Int]: (Double, Double?)] = [:]
        for (name, dropped) in Self.choices(result, counts: counts) {
            if cache[dropped] == nil {
                let d = try runner.leaveOneOut(domain, removed: Set(dropped), candidates: []).base
                let g = try general.map { try runner.leaveOneOut($0, removed: Set(dropped), candidates: []).base }
                cache[dropped] = (Foundation.exp(d), g.map { Foundation.exp($0) })
            }
            let (d, g) = cache[dropped]!
            result.study.append(.init(criterion: name, dropped: dropped, domainPerplexity: d, generalPerplexity: g))
        }
    }

    /// Mean over sequences of arccos(cos(h_ℓ, h_{ℓ+run}))/π for each start ℓ (layers − run + 1 values).
    static func angular(_ states: [[[Float]]], run: Int) -> [Double] {
        let layers = states.count - 1
        guard run >= 1, run <= layers else { return [] }
        return (0...(layers - run)).map { l in
            let pairs = zip(states[l], states[l + run])
            return pairs.reduce(0.0) { $0 + angularDistance($1.0, $1.1) } / Double(states[l].count)
        }
    }
}
