/// How well a query matched a candidate, and which characters matched (for highlighting).
public struct FuzzyMatch: Hashable, Sendable {
    /// Higher is better; only comparable between matches of the same query.
    public var score: Int
    /// The offsets (in characters) of the matched characters in the candidate, ascending.
    public var positions: [Int]

    /// Creates a match.
    public init(score: Int, positions: [Int]) {
        self.score = score
        self.positions = positions
    }
}
