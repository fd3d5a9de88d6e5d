import ScalpelTerm

/// What is drawn over the current screen and takes the keys while open.
public enum Overlay: Hashable, Sendable {
    /// Nothing: keys go to the screen.
    case none
    /// The `?` key list, scrolled by `scroll` lines.
    case help(scroll: Int)
    /// The command palette with what has been typed and the highlighted entry.
    case palette(query: String, selected: Int)
    /// A one-line text prompt.
    case prompt(Prompt)
    /// A yes/no question.
    case confirm(Confirmation)
    /// The screen's filter line being typed (the text lives in the screen's state, so it stays after
    /// the line closes).
    case filter

    /// The keymap context of the overlay, `nil` for none.
    public var context: String? {
        switch self {
        case .none: nil
        case .help: Keymap.helpContext
        case .palette: Keymap.paletteContext
        case .prompt: Keymap.promptContext
        case .confirm: Keymap.confirmContext
        case .filter: Keymap.filterContext
        }
    }
}

/// A question the workbench asks before doing something that cannot be undone.
public enum Confirmation: Hashable, Sendable {
    /// Quit while engine work is running (it is cancelled).
    case quit
    /// Cancel the running engine work.
    case cancel

    /// The question.
    public var question: String {
        switch self {
        case .quit: "Engine work is running. Cancel it and quit?"
        case .cancel: "Cancel the running engine work?"
        }
    }
}
