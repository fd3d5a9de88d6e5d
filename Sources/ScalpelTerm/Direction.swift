/// The axis along which a `Layout` splits its area.
public enum Direction: Hashable, Sendable {
    /// Side by side, splitting the width.
    case horizontal
    /// Stacked top to bottom, splitting the height.
    case vertical
}
