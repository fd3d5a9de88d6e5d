import Foundation

/// A layer-importance criterion (docs/criteria.md gives each formula). Every criterion's scores are
/// "higher = more important": the blocks to drop are those with the lowest scores.
public enum BlockCriterion: String, CaseIterable, Sendable {
    /// 1 − mean over real tokens of cos(h_in, h_out) (ShortGPT).
    case blockInfluence = "block_influence"
    /// arccos(cos(h_ℓ, h_{ℓ+1}))/π on each sequence's last token, averaged (Gromov et al.).
    case angular
    /// Mean next-token loss of the decoder with the block skipped (reported as perplexity).
    case looPPL = "loo_ppl"
    /// Greedy leave-one-out removal, re-scored after each removal (SLEB).
    case sleb
    /// Σ |∂L/∂W ⊙ W| over the block's parameters (first-order Taylor).
    case taylor
    /// Σ |W| over the block's parameters.
    case magnitude
    /// base(domain) − λ · base(general), base = block influence or leave-one-out loss increase.
    case domainContrast = "domain_contrast"

    /// Criteria computed in one forward pass (plus one backward for Taylor).
    public var isOnePass: Bool { [.blockInfluence, .angular, .taylor, .magnitude].contains(self) }

    /// Parses a comma-separated list of CLI names.
    public static func parseList(_ text: String) throws -> [BlockCriterion] {
        try text.split(separator: ",").map { name in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let c = BlockCriterion(rawValue: trimmed) else {
                throw CompressError("unknown criterion '\(trimmed)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return c
        }
    }
}

/// The order in which `scores` would drop blocks: ascending score (least important first), ties by index.
public func removalOrder(_ scores: [Double]) -> [Int] {
    scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
}
