/// How `Paragraph` breaks lines wider than its area.
public enum Wrap: Hashable, Sendable {
    /// No wrapping: long lines are clipped at the right edge.
    case none
    /// Break between words; a word wider than the area is split. Spaces at a break are dropped.
    case word
    /// Break at any grapheme.
    case character
}
