import CNcursesW

/// ncurses mouse reporting: the event mask the workbench asks for and the translation of `MEVENT`
/// button states into ``MouseEvent``s.
///
/// The masks are those of ncurses' mouse interface version 2 (`NCURSES_MOUSE_MASK(b, m)` is
/// `m << ((b - 1) * 5)`), written out because Swift cannot import the header's function-like macros.
enum CursesMouse {
    /// `NCURSES_MOUSE_MASK(button, bits)`.
    static func mask(button: Int, _ bits: UInt32) -> UInt32 { bits << UInt32((button - 1) * 5) }

    /// `BUTTON1_RELEASED`.
    static let leftReleased = mask(button: 1, 0o1)
    /// `BUTTON1_PRESSED`.
    static let leftPressed = mask(button: 1, 0o2)
    /// `BUTTON1_CLICKED`.
    static let leftClicked = mask(button: 1, 0o4)
    /// `BUTTON4_PRESSED`: the wheel turned up.
    static let wheelUp = mask(button: 4, 0o2)
    /// `BUTTON5_PRESSED`: the wheel turned down.
    static let wheelDown = mask(button: 5, 0o2)

    /// The events asked for: left presses and releases (the release only so that ncurses, with click
    /// resolution off, reports presses at once) and the wheel.
    static let wanted = leftPressed | leftReleased | leftClicked | wheelUp | wheelDown

    /// The event for a report with button state `bstate` at cell (`x`, `y`); `nil` for one the workbench
    /// ignores (releases, other buttons, motion).
    static func event(x: Int32, y: Int32, bstate: UInt32) -> MouseEvent? {
        guard x >= 0, y >= 0 else { return nil }
        if bstate & (leftPressed | leftClicked) != 0 { return MouseEvent(.press, x: Int(x), y: Int(y)) }
        if bstate & wheelUp != 0 { return MouseEvent(.wheelUp, x: Int(x), y: Int(y)) }
        if bstate & wheelDown != 0 { return MouseEvent(.wheelDown, x: Int(x), y: Int(y)) }
        return nil
    }

    /// Switches mouse reporting on: presses are reported at once (no click-resolution delay).
    static func enable() {
        _ = mousemask(mmask_t(wanted), nil)
        _ = mouseinterval(0)
    }

    /// The pending mouse report as an event, after `get_wch` returned `KEY_MOUSE`.
    static func read() -> MouseEvent? {
        var report = MEVENT()
        guard getmouse(&report) == OK else { return nil }
        return event(x: report.x, y: report.y, bstate: UInt32(report.bstate))
    }
}
