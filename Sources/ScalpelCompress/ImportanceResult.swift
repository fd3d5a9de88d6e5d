import Foundation

/// Per-block scores of one importance run, in the JSON layout `scalpel importance` writes.
public struct ImportanceResult: Sendable {
    public struct AngularRuns: Sendable {
        public var n: Int
        /// Distance between the states entering block ℓ and block ℓ+n, for each start ℓ.
        public var distances: [Double]
        /// The start of the run with the smallest distance (the run to drop).
        public var bestStart: Int
    }
    public struct SlebStep: Sendable {
        public var removed: Int
        /// Perplexity after this removal (and all earlier ones).
        public var perplexity: Double
    }
    public struct StudyRow: Sendable {
        public var criterion: String
        public var dropped: [Int]
        public var domainPerplexity: Double
        public var generalPerplexity: Double?
    }
    public struct Contrast: Sendable {
        public var base: String
        public var lambda: Double
        public var domain: [Double]
        public var general: [Double]
    }

    public var layers: Int
    public var samples: Int
    public var seqLen: Int
    public var tokens: Int
    /// Criterion name → one score per block, higher = more important.
    public var scores: [String: [Double]] = [:]
    /// Criterion name → block indices, least important first.
    public var order: [String: [Int]] = [:]
    /// Scores restricted to one token class (`block_influence.text`, `block_influence.image`).
    public var byTokenClass: [String: [Double?]] = [:]
    public var angularRuns: AngularRuns?
    /// For each run length n, the start of the contiguous run of n blocks with the smallest angular distance.
    public var angularBestStart: [Int: Int] = [:]
    /// Perplexity after removing each criterion's choice of blocks (`ImportanceScorer.study`).
    public var study: [StudyRow] = []
    public var sleb: [SlebStep]?
    public var contrast: Contrast?
    /// Kendall τ-b between the domain_contrast and block_influence scores.
    public var kendallTau: Double?
    /// Mean next-token loss of the whole decoder on the calibration data (nats).
    public var baseLoss: Double?
    public var seconds: Double = 0
    public var peakRSSBytes: Int = 0
    public var warnings: [String] = []

    public init(layers: Int, samples: Int, seqLen: Int, tokens: Int) {
        self.layers = layers
        self.samples = samples
        self.seqLen = seqLen
        self.tokens = tokens
    }

    static func number(_ x: Double) -> Any { x.isFinite ? x : NSNull() }

    /// The result as JSON-serialisable values.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "layers": layers, "samples": samples, "seq_len": seqLen, "tokens": tokens,
            "scores": scores.mapValues { $0.map(Self.number) }, "order": order,
            "seconds": seconds, "peak_rss_bytes": peakRSSBytes, "warnings": warnings,
        ]
        if !byTokenClass.isEmpty { o["scores_by_token_class"] = byTokenClass.mapValues { $0.map { $0.map(Self.number) ?? NSNull() } } }
        if let a = angularRuns { o["angular_runs"] = ["n": a.n, "distances": a.distances.map(Self.number), "best_start": a.bestStart] }
        if let s = sleb { o["sleb_steps"] = s.map { ["removed": $0.removed, "perplexity": Self.number($0.perplexity)] } }
        if let c = contrast {
            o["domain_contrast"] = ["base": c.base, "lambda": c.lambda, "domain": c.domain.map(Self.number), "general": c.general.map(Self.number)]
        }
        if !study.isEmpty {
            o["study"] = study.map { row -> [String: Any] in
                var r: [String: Any] = ["criterion": row.criterion, "dropped": row.dropped, "domain_perplexity": Self.number(row.domainPerplexity)]
                if let g = row.generalPerplexity { r["general_perplexity"] = Self.number(g) }
                return r
            }
        }
        if let t = kendallTau { o["kendall_tau_domain_contrast_vs_block_influence"] = t }
        if let l = baseLoss { o["base_loss"] = l; o["base_perplexity"] = Self.number(Foundation.exp(l)) }
        return o
    }

    /// JSON text (sorted keys).
    public func json() throws -> String {
        let data = try JSONSerialization.data(withJSONObject: jsonObject, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// A fixed-width table: one row per block, one column per criterion, then each criterion's order.
    public func table() -> String {
        let names = scores.keys.sorted()
        var out = "block" + names.map { " " + $0.padding(toLength: max(12, $0.count), withPad: " ", startingAt: 0) }.joined() + "\n"
        for b in 0..<layers {
            out += String(b).padding(toLength: 5, withPad: " ", startingAt: 0)
            for name in names {
                let v = scores[name]![b]
                let text = abs(v) >= 1e4 || (abs(v) < 1e-3 && v != 0) ? String(format: "%.4e", v) : String(format: "%.6f", v)
                out += " " + text.padding(toLength: max(12, name.count), withPad: " ", startingAt: 0)
            }
            out += "\n"
        }
        out += "\nremoval order (least important first):\n"
        for name in names { out += "  \(name): " + order[name]!.map(String.init).joined(separator: " ") + "\n" }
        if let c = contrast { out += "domain_contrast = \(c.base)(domain) − \(c.lambda) × \(c.base)(general)\n" }
        if let t = kendallTau { out += String(format: "Kendall τ(domain_contrast, block_influence) = %.4f\n", t) }
        if let a = angularRuns { out += "angular: best run of \(a.n) starts at block \(a.bestStart) (distance \(String(format: "%.4f", a.distances[a.bestStart])))\n" }
        if let l = baseLoss { out += String(format: "base loss %.4f (perplexity %.3f)\n", l, Foundation.exp(l)) }
        if !study.isEmpty {
            out += "\nperplexity after removing each criterion's choice:\n"
            for row in study {
                out += "  " + row.criterion.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + " drop " + String(row.dropped.count).padding(toLength: 3, withPad: " ", startingAt: 0)
                    + String(format: " domain %10.3f", row.domainPerplexity)
                    + (row.generalPerplexity.map { String(format: "  general %10.3f", $0) } ?? "")
                    + "  [" + row.dropped.map(String.init).joined(separator: ",") + "]\n"
            }
        }
        out += String(format: "%d samples × ≤%d tokens (%d real), %.1f s, peak RSS %.1f MiB\n", samples, seqLen, tokens, seconds, Double(peakRSSBytes) / 1048576)
        return out
    }
}
