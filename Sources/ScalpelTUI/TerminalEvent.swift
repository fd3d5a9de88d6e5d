import ScalpelTerm

/// Input from the terminal, as the curses backend reports it.
public enum TerminalEvent: Hashable, Sendable {
    /// A key press.
    case key(Key)
    /// The terminal was resized to this size.
    case resize(Size)
    /// A mouse button press or wheel step.
    case mouse(MouseEvent)
}
