/// One footer hint: a key and a short label, such as `q quit`.
public struct KeyHint: Hashable, Sendable {
    /// The key as shown, such as `Ctrl-P` or `k/↑`.
    public var key: String
    /// The short label.
    public var label: String

    /// Creates a hint.
    public init(key: String, label: String) {
        self.key = key
        self.label = label
    }

    /// The columns the hint takes: key, a space, label.
    public var width: Int { key.displayWidth + 1 + label.displayWidth }
}
