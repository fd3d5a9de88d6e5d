#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScalpelTerm

/// The interactive loop: draws the state, reads a key, reduces, performs effects; all on the calling
/// thread, which owns curses.
public enum WorkbenchApp {
    /// Why the workbench cannot run here.
    public struct NotATerminal: Error, CustomStringConvertible {
        /// The message.
        public var description: String
    }

    /// Fails unless standard input and output are terminals.
    public static func checkTerminal() throws {
        guard isatty(STDOUT_FILENO) == 1 else {
            throw NotATerminal(description: "the workbench needs a terminal, but standard output is not one; "
                               + "for scripts and pipes use `scalpel inspect MODEL` (add --json for machine-readable output)")
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw NotATerminal(description: "the workbench reads keys from a terminal, but standard input is not one")
        }
    }

    /// Runs the workbench until the user quits; the terminal is restored on every way out.
    public static func run(model: ModelStatus, themes: ThemeCatalog) throws {
        try checkTerminal()
        TerminalGuard.install()
        defer { TerminalGuard.uninstall() }
        let backend = try CursesBackend()
        defer { backend.stop() }

        let more = themes.problems.count > 1 ? " (and \(themes.problems.count - 1) more)" : ""
        let notice = themes.problems.first.map { Notice("theme skipped: " + $0 + more, kind: .warning) }
        var state = AppState(model: model, themes: themes.themes, size: try backend.size(), notice: notice)
        var terminal = try Terminal(backend: backend, theme: state.theme.adapted(to: backend.themeSupport))
        var dirty = true
        while true {
            if dirty {
                terminal.theme = state.theme.adapted(to: backend.themeSupport)
                try terminal.draw { frame in WorkbenchView.render(state, into: &frame) }
                dirty = false
            }
            guard let event = backend.readEvent(timeoutMilliseconds: 250) else { continue }
            let action: Action
            switch event {
            case .key(let key): action = .key(key)
            case .resize(let size): action = .resize(size)
            }
            let (next, effects) = reduce(state, action)
            dirty = true
            state = next
            if effects.contains(.quit) { return }
        }
    }
}
