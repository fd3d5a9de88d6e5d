/// One entry of the keymap: the keys that trigger an action in a context, and how to describe it.
public struct KeyBinding: Hashable, Sendable {
    /// The keys (any of them triggers the action), in the order they are listed.
    public var keys: [Key]
    /// The action's identifier, such as `quit` or `layer.toggle`.
    public var action: String
    /// What the action does, for the help overlay and command palette.
    public var description: String
    /// A one- or two-word label for the footer; `nil` keeps the binding out of the footer.
    public var hint: String?
    /// The screen or mode the binding applies in; `Keymap.global` applies everywhere.
    public var context: String

    /// Creates a binding.
    public init(_ keys: [Key], action: String, description: String, hint: String? = nil, context: String = Keymap.global) {
        self.keys = keys
        self.action = action
        self.description = description
        self.hint = hint
        self.context = context
    }

    /// The keys as shown to the user, such as `k/↑`.
    public var keyLabel: String { keys.map(\.displayName).joined(separator: "/") }
}
