#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesW
import ScalpelTerm

/// The real terminal, through ncursesw: draws the cells `Terminal` sends and reads keys.
///
/// Only one can exist at a time, and every call must come from the thread that created it (curses
/// is not thread-safe). Colours are mapped to what the terminal reports: with fewer than 256 colours
/// every colour is adapted to the 16 or 8 the terminal has (on 8, bright colours become bold base
/// colours); pairs come from `alloc_pair`.
public final class CursesBackend: Backend {
    /// Why curses could not start.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The colours the terminal can show (capped at 256: colours are drawn through the palette).
    public let colorSupport: ColorSupport

    /// What to adapt themes to before drawing: the terminal's colours, but 16 on an 8-colour terminal,
    /// whose bright colours the backend draws as bold base colours.
    public var themeSupport: ColorSupport { colorSupport == .ansi8 ? .ansi16 : colorSupport }
    /// Whether the terminal has colours at all.
    public let hasColors: Bool
    /// Whether `-1` (the terminal's own colours) is usable in pairs.
    private let defaultColors: Bool
    private let screen: OpaquePointer
    private var stopped = false

    /// Starts curses on the process's terminal: locale, cbreak, no echo, keypad, 25 ms Esc delay,
    /// default colours, hidden cursor, mouse presses and wheel reported (ending curses switches the
    /// terminal's mouse reporting off again).
    public init() throws {
        setlocale(LC_ALL, "")
        guard let screen = scalpel_newterm() else {
            throw StartError(description: "cannot start the terminal (TERM=\(getenv("TERM").map { String(cString: $0) } ?? "unset")); "
                             + "set TERM to a terminal type this system knows, such as xterm-256color")
        }
        self.screen = screen
        cbreak()
        noecho()
        nonl()
        intrflush(scalpel_stdscr(), false)
        keypad(scalpel_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        hasColors = has_colors()
        var defaults = false
        if hasColors {
            start_color()
            defaults = use_default_colors() == OK
        }
        defaultColors = defaults
        colorSupport = hasColors ? min(ColorSupport(colorCount: Int(scalpel_colors())), .indexed256) : .ansi8
        CursesMouse.enable()
        refresh()
    }

    deinit {
        stop()
        delscreen(screen)
    }

    /// Ends curses mode (idempotent); the object must not be drawn with afterwards.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        TerminalGuard.restore()
    }

    /// Waits up to `timeoutMilliseconds` (negative: forever) for input.
    public func readEvent(timeoutMilliseconds: Int32) -> TerminalEvent? {
        wtimeout(scalpel_stdscr(), timeoutMilliseconds)
        var ch: wint_t = 0
        let result = get_wch(&ch)
        if result == KEY_CODE_YES {
            if Int32(ch) == KEY_RESIZE { return .resize(Size(width: Int(scalpel_cols()), height: Int(scalpel_lines()))) }
            if Int32(ch) == KEY_MOUSE { return CursesMouse.read().map(TerminalEvent.mouse) }
            return CursesKeys.key(code: Int32(ch)).map(TerminalEvent.key)
        }
        guard result == OK else { return nil }
        return CursesKeys.key(character: UInt32(ch)).map(TerminalEvent.key)
    }

    // MARK: Backend

    /// The screen size curses reports (updated by curses on SIGWINCH).
    public func size() throws -> Size { Size(width: Int(scalpel_cols()), height: Int(scalpel_lines())) }

    /// Writes changed cells, joining neighbours on a row that share a style into one `mvaddstr`.
    public func draw(_ changes: [Buffer.Change]) throws {
        var runText = ""
        var runX = 0, runY = -1, runEnd = 0
        var runStyle = Style()
        func flushRun() {
            guard !runText.isEmpty else { return }
            apply(runStyle)
            _ = mvaddstr(Int32(runY), Int32(runX), runText)
            runText = ""
        }
        for change in changes where !change.cell.isContinuation {
            let symbol = change.cell.symbol
            if change.y != runY || change.x != runEnd || change.cell.style != runStyle {
                flushRun()
                runX = change.x
                runY = change.y
                runEnd = change.x
                runStyle = change.cell.style
            }
            runText += symbol
            runEnd += max(1, change.cell.width)
        }
        flushRun()
        _ = scalpel_set_attributes(0, 0)
    }

    /// Hides the text cursor.
    public func hideCursor() throws { curs_set(0) }
    /// Shows the text cursor.
    public func showCursor() throws { curs_set(1) }
    /// The cursor position.
    public func cursorPosition() throws -> Position {
        Position(x: Int(getcurx(scalpel_stdscr())), y: Int(getcury(scalpel_stdscr())))
    }
    /// Moves the cursor.
    public func setCursorPosition(_ position: Position) throws { move(Int32(position.y), Int32(position.x)) }
    /// Blanks the screen; the next refresh repaints it whole.
    public func clear() throws { _ = ncursesClear() }
    /// Shows what was drawn.
    public func flush() throws { refresh() }

    // MARK: Colours and attributes

    /// Sets the attributes and colour pair for `style`.
    private func apply(_ style: Style) {
        var attrs: attr_t = 0
        let m = style.addModifier
        let fg = resolve(style.fg, foreground: true)
        let bg = resolve(style.bg, foreground: false)
        if m.contains(.bold) || fg.bright { attrs |= scalpel_a_bold() }
        if m.contains(.dim) { attrs |= scalpel_a_dim() }
        if m.contains(.italic) { attrs |= scalpel_a_italic() }
        if m.contains(.underline) { attrs |= scalpel_a_underline() }
        if m.contains(.reverse) { attrs |= scalpel_a_reverse() }
        _ = scalpel_set_attributes(attrs, pair(fg: fg.number, bg: bg.number))
    }

    /// The colour pair for two colour numbers (0, the terminal's own colours, when unavailable).
    ///
    /// Two colours that adapted to the same one would hide the text, so the foreground then becomes
    /// white or black, whichever differs from the background.
    private func pair(fg: Int32, bg: Int32) -> Int32 {
        guard hasColors else { return 0 }
        var f = fg
        if f == bg && f >= 0 { f = bg == Int32(COLOR_WHITE) ? Int32(COLOR_BLACK) : Int32(COLOR_WHITE) }
        if f == -1 && bg == -1 { return 0 }
        let p = alloc_pair(f, bg)
        return p < 0 ? 0 : p
    }

    /// The curses colour number for `color`, adapted to the terminal, and whether it stands for a
    /// bright colour an 8-colour terminal can only show as its bold base colour.
    func resolve(_ color: Color?, foreground: Bool) -> (number: Int32, bright: Bool) {
        let c = (color ?? .reset).adapted(to: colorSupport == .ansi8 ? .ansi16 : colorSupport)
        switch c {
        case .reset:
            return (defaultColors ? -1 : (foreground ? Int32(COLOR_WHITE) : Int32(COLOR_BLACK)), false)
        case .ansi(let a):
            if colorSupport == .ansi8 { return (Int32(a.base.rawValue), foreground && a.isBright) }
            return (Int32(a.rawValue), false)
        case .indexed(let i):
            return (Int32(i), false)
        case .rgb:
            guard case .ansi(let a) = c.adapted(to: .ansi8) else { return (Int32(COLOR_WHITE), false) }
            return (Int32(a.rawValue), false)
        }
    }
}

/// `clear()` from curses (the backend's own `clear` hides the name inside the class).
private func ncursesClear() -> Int32 { clear() }
