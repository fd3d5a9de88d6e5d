/// Horizontal placement of text inside a wider area.
public enum Alignment: Hashable, Sendable {
    /// Flush to the left edge.
    case left
    /// Centred (an odd spare column goes to the right).
    case center
    /// Flush to the right edge.
    case right

    /// The column offset for content `contentWidth` wide inside `width` columns.
    public func offset(contentWidth: Int, width: Int) -> Int {
        let spare = max(0, width - contentWidth)
        switch self {
        case .left: return 0
        case .center: return spare / 2
        case .right: return spare
        }
    }
}
