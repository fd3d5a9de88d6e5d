import ScalpelTerm

/// A mouse action the workbench reacts to: a left-button press at a cell, or a wheel step.
public struct MouseEvent: Hashable, Sendable {
    /// What the mouse did.
    public enum Kind: Hashable, Sendable {
        /// The left button went down.
        case press
        /// The wheel turned up (away from the user).
        case wheelUp
        /// The wheel turned down.
        case wheelDown
    }

    /// What happened.
    public var kind: Kind
    /// The cell under the pointer (column, row from the top-left corner, 0-based).
    public var position: Position

    /// Creates an event.
    public init(_ kind: Kind, x: Int, y: Int) {
        self.kind = kind
        position = Position(x: x, y: y)
    }
}
