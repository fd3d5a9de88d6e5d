import ScalpelTerm

/// Something that happened, handed to ``reduce(_:_:)``: the messages of the update loop.
public enum Action: Hashable, Sendable {
    /// A key was pressed.
    case key(Key)
    /// The terminal changed size.
    case resize(Size)
    /// A command was chosen (from a key binding, the palette, or the program itself).
    case run(Command)
}
