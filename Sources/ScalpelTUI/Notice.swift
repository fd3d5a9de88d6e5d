import ScalpelTerm

/// A short message shown in a corner until the next key press.
public struct Notice: Hashable, Sendable {
    /// The text.
    public var message: String
    /// Its kind, which picks the colour.
    public var kind: Toast.Kind

    /// Creates a notice.
    public init(_ message: String, kind: Toast.Kind = .info) {
        self.message = message
        self.kind = kind
    }
}
