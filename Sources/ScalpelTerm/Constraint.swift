/// How much of the split space one segment of a `Layout` takes.
public enum Constraint: Hashable, Sendable {
    /// Exactly `n` cells (shrunk only when the space cannot hold every fixed size).
    case length(Int)
    /// `p` percent of the space (rounded down, spare rounding cells go to the largest remainders).
    case percentage(Int)
    /// `numerator / denominator` of the space, rounded like a percentage.
    case ratio(Int, Int)
    /// At least `n` cells; grows to take the spare space when no segment is `fill`.
    case min(Int)
    /// `n` cells when the space allows, fewer otherwise; never grows past `n`.
    case max(Int)
    /// A share of whatever space the other segments leave, in proportion to its weight.
    case fill(Int)
}
