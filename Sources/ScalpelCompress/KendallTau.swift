/// Kendall's rank correlation between two score lists over the same items.
///
/// τ-b, which corrects for ties (as `scipy.stats.kendalltau` does by default):
///
///     τ_b = (C − D) / √((n₀ − T₁)(n₀ − T₂))
///
/// with C and D the concordant and discordant pairs, n₀ = n(n−1)/2, and T₁, T₂ the pairs tied in
/// the first and second list. Pairs tied in either list count as neither concordant nor discordant.
/// 1: same order, −1: reversed, 0: unrelated. Nil when either list is constant (τ undefined) or the
/// lists have fewer than two items.
public enum KendallTau {
    /// τ-b of `a` and `b` (same length).
    public static func tauB(_ a: [Double], _ b: [Double]) -> Double? {
        precondition(a.count == b.count, "Kendall τ needs two lists of the same length (\(a.count) vs \(b.count))")
        let n = a.count
        guard n >= 2 else { return nil }
        var concordant = 0, discordant = 0, tiesA = 0, tiesB = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let da = a[i] - a[j], db = b[i] - b[j]
                if da == 0 { tiesA += 1 }
                if db == 0 { tiesB += 1 }
                if da == 0 || db == 0 { continue }
                if (da > 0) == (db > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let pairs = n * (n - 1) / 2
        let denominator = (Double(pairs - tiesA) * Double(pairs - tiesB)).squareRoot()
        guard denominator > 0 else { return nil }
        return Double(concordant - discordant) / denominator
    }
}
