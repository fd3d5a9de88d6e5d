/// A key press, as the workbench's keymap sees it (the curses backend translates terminal input to these).
public enum Key: Hashable, Sendable, CustomStringConvertible {
    /// A printable character, including space.
    case character(Character)
    /// A character typed with Ctrl held (letters are stored lowercased).
    case ctrl(Character)
    /// Enter / Return.
    case enter
    /// Escape.
    case escape
    /// Tab.
    case tab
    /// Shift-Tab.
    case backTab
    /// Backspace.
    case backspace
    /// Delete.
    case delete
    /// Arrow up.
    case up
    /// Arrow down.
    case down
    /// Arrow left.
    case left
    /// Arrow right.
    case right
    /// Home.
    case home
    /// End.
    case end
    /// Page up.
    case pageUp
    /// Page down.
    case pageDown
    /// A function key, F1 to F24.
    case function(Int)

    /// The short name shown in hints and help: `q`, `Ctrl-P`, `Space`, `Enter`, `↑`, `F1`.
    public var displayName: String {
        switch self {
        case .character(" "): "Space"
        case .character(let c): String(c)
        case .ctrl(let c): "Ctrl-" + String(c).uppercased()
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .function(let n): "F\(n)"
        }
    }

    /// The display name.
    public var description: String { displayName }

    /// Parses a key name as written in keymaps: a single character, `space`, `ctrl-p` (or `c-p`, `^p`),
    /// `enter`, `esc`, `tab`, `shift-tab`, `backspace`, `delete`, `up`, `down`, `left`, `right`, `home`,
    /// `end`, `pgup`, `pgdn`, `f1`…`f24`. Names are case-insensitive except single characters.
    public init?(parsing text: String) {
        if text.count == 1 {
            self = .character(text.first!)
            return
        }
        let s = text.lowercased()
        for prefix in ["ctrl-", "ctrl+", "c-", "^"] where s.hasPrefix(prefix) {
            let rest = s.dropFirst(prefix.count)
            guard rest.count == 1 else { return nil }
            self = .ctrl(rest.first!)
            return
        }
        switch s {
        case "space": self = .character(" ")
        case "enter", "return", "ret": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "shift-tab", "s-tab", "backtab": self = .backTab
        case "backspace", "bksp": self = .backspace
        case "delete", "del": self = .delete
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "home": self = .home
        case "end": self = .end
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pagedown": self = .pageDown
        default:
            if s.hasPrefix("f"), let n = Int(s.dropFirst()), (1...24).contains(n) {
                self = .function(n)
                return
            }
            return nil
        }
    }
}
