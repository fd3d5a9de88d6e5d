/// Work the reducer asks the run loop to do, outside the pure state update.
public enum Effect: Hashable, Sendable {
    /// Restore the terminal and leave.
    case quit
}
