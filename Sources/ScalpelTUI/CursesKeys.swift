import CNcursesW
import ScalpelTerm

/// Translation of what `get_wch` returns into ScalpelTerm keys.
enum CursesKeys {
    /// The key for a character `get_wch` returned with `OK`: control bytes become Ctrl, Enter, Tab,
    /// Esc and Backspace; everything else is a printable character. `nil` for an unusable value.
    static func key(character code: UInt32) -> Key? {
        switch code {
        case 27: return .escape
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 0: return .ctrl(" ")
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(code - 1) + UInt8(ascii: "a"))))
        case 28...31: return nil
        default:
            guard let scalar = Unicode.Scalar(code), !(0x80..<0xA0).contains(code) else { return nil }
            return .character(Character(scalar))
        }
    }

    /// The key for a key code `get_wch` returned with `KEY_CODE_YES`, `nil` for one the workbench ignores.
    static func key(code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_DC: return .delete
        case KEY_BACKSPACE: return .backspace
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        default:
            let f1 = scalpel_key_f(1)
            if code >= f1, code < f1 + 24 { return .function(Int(code - f1) + 1) }
            return nil
        }
    }
}
