extension Keymap {
    /// The palette entries for `context`: every active binding, titled by its description, with its keys.
    public func paletteCommands(in context: String) -> [PaletteCommand] {
        activeBindings(in: context).map { PaletteCommand(id: $0.action, title: $0.description, key: $0.keyLabel) }
    }
}
