extension Recipe {
    /// The recipe's `torch:` section (launcher, process count, strategy, …), which only the torch backend
    /// reads: the Swift loader checks its keys' spelling and keeps the section's YAML text as written, so a
    /// copied recipe hands it on unchanged. docs/backends.md lists the keys.
    public struct TorchSettings: Sendable, Equatable {
        /// The section as YAML (a mapping).
        public var text: String

        public init(text: String) {
            self.text = text
        }
    }
}
