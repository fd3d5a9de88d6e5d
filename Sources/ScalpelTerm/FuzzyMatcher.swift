/// Subsequence matching for the command palette and filters, in the manner of fzf and Sublime Text.
///
/// Every query character must appear in the candidate in order (case-insensitively; spaces in the
/// query are ignored). Among the possible alignments the best-scoring one is chosen:
/// each matched character earns `match`; one at the start of a word (after a space, `-`, `_`, `/`,
/// `.`, `:`, or a lower-to-upper case change) earns `wordStart` more, and at the very start
/// `firstCharacter` more; one right after the previous match earns `consecutive` more; each skipped
/// character between matches costs `gap` (the first one of a gap costs `gapOpen`); skipped characters
/// before the first match cost `leading` each, up to three; an exact-case match earns `exactCase`.
public enum FuzzyMatcher {
    /// Score for each matched character.
    public static let match = 16
    /// Bonus for matching at a word start.
    public static let wordStart = 10
    /// Extra bonus for matching the candidate's first character.
    public static let firstCharacter = 4
    /// Bonus for a match right after the previous one.
    public static let consecutive = 12
    /// Cost of the first skipped character of a gap.
    public static let gapOpen = 4
    /// Cost of each further skipped character.
    public static let gap = 1
    /// Cost of each of the first three characters skipped before the first match.
    public static let leading = 1
    /// Bonus for the same letter case.
    public static let exactCase = 1

    /// The best match of `query` in `candidate`, or `nil` when it is not a subsequence.
    /// An empty query matches everything with score 0.
    public static func match(_ query: String, in candidate: String) -> FuzzyMatch? {
        let q = Array(query.filter { $0 != " " })
        guard !q.isEmpty else { return FuzzyMatch(score: 0, positions: []) }
        let c = Array(candidate)
        let n = q.count, m = c.count
        guard n <= m else { return nil }
        let ql = q.map { Character($0.lowercased()) }
        let cl = c.map { Character($0.lowercased()) }
        // Quick rejection.
        var k = 0
        for ch in cl where k < n && ch == ql[k] { k += 1 }
        guard k == n else { return nil }

        let bonus = (0..<m).map { j -> Int in
            if j == 0 { return wordStart + firstCharacter }
            let prev = c[j - 1], cur = c[j]
            if " -_/.:\\()[]".contains(prev) { return wordStart }
            if prev.isLowercase && cur.isUppercase { return wordStart }
            if !prev.isNumber && cur.isNumber { return wordStart / 2 }
            return 0
        }
        let none = Int.min / 4
        // score[i][j]: best score with query[i] matched at candidate[j]; from[i][j]: where query[i-1] was.
        var score = [[Int]](repeating: [Int](repeating: none, count: m), count: n)
        var from = [[Int]](repeating: [Int](repeating: -1, count: m), count: n)
        for j in 0..<m where cl[j] == ql[0] {
            score[0][j] = match + bonus[j] - leading * min(j, 3) + (c[j] == q[0] ? exactCase : 0)
        }
        if n > 1 {
            for i in 1..<n {
                for j in i..<m where cl[j] == ql[i] {
                    var best = none, arg = -1
                    for p in (i - 1)..<j where score[i - 1][p] > none {
                        let skipped = j - p - 1
                        let s = score[i - 1][p] + (skipped == 0 ? consecutive : -(gapOpen + gap * (skipped - 1)))
                        if s > best { best = s; arg = p }
                    }
                    guard arg >= 0 else { continue }
                    score[i][j] = best + match + bonus[j] + (c[j] == q[i] ? exactCase : 0)
                    from[i][j] = arg
                }
            }
        }
        var bestEnd = -1, bestScore = none
        for j in 0..<m where score[n - 1][j] > bestScore {
            bestScore = score[n - 1][j]
            bestEnd = j
        }
        guard bestEnd >= 0 else { return nil }
        var positions = [Int](repeating: 0, count: n)
        var j = bestEnd
        for i in stride(from: n - 1, through: 0, by: -1) {
            positions[i] = j
            j = from[i][j]
        }
        return FuzzyMatch(score: bestScore, positions: positions)
    }

    /// The items whose `text` matches `query`, best first; ties go to shorter texts, then to the
    /// original order. An empty query keeps every item in its original order.
    public static func rank<T>(_ query: String, _ items: [T], text: (T) -> String) -> [(item: T, match: FuzzyMatch)] {
        if query.allSatisfy({ $0 == " " }) { return items.map { ($0, FuzzyMatch(score: 0, positions: [])) } }
        var scored: [(index: Int, length: Int, item: T, match: FuzzyMatch)] = []
        for (i, item) in items.enumerated() {
            let t = text(item)
            if let m = match(query, in: t) { scored.append((i, t.count, item, m)) }
        }
        scored.sort { a, b in
            if a.match.score != b.match.score { return a.match.score > b.match.score }
            if a.length != b.length { return a.length < b.length }
            return a.index < b.index
        }
        return scored.map { ($0.item, $0.match) }
    }
}
