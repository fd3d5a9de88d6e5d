#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScalpelTerm

/// The interactive loop: draws the state, reads a key, reduces, performs effects; all on the calling
/// thread, which owns curses. Engine children report through ``EngineClient`` queues, drained between
/// keys (every 50 ms while one runs).
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

    /// Runs the workbench until the user quits; the terminal is restored on every way out, and engine
    /// children still running are cancelled.
    ///
    /// - Parameters:
    ///   - theme: the name of the theme to start with (the catalog's first when `nil` or unknown).
    ///   - rememberTheme: called with a theme's name when the user switches to it.
    public static func run(model: ModelStatus, themes: ThemeCatalog, context: WorkbenchContext = WorkbenchContext(),
                           theme: String? = nil, rememberTheme: ((String) -> Void)? = nil) throws {
        try checkTerminal()
        TerminalGuard.install()
        defer { TerminalGuard.uninstall() }
        let backend = try CursesBackend()
        defer { backend.stop() }

        let more = themes.problems.count > 1 ? " (and \(themes.problems.count - 1) more)" : ""
        var notice = themes.problems.first.map { Notice("theme skipped: " + $0 + more, kind: .warning) }
        var state = AppState(model: model, themes: themes.themes, size: try backend.size(), notice: nil, context: context)
        if let theme {
            if let index = state.themes.firstIndex(where: { ThemeCatalog.key($0.name) == ThemeCatalog.key(theme) }) {
                state.themeIndex = index
            } else {
                notice = Notice("no theme named \"\(theme)\"; using \(state.theme.name)", kind: .warning)
            }
        }
        state.notice = notice
        var terminal = try Terminal(backend: backend, theme: state.theme.adapted(to: backend.themeSupport))
        var engine = EngineSupervisor(context: context)
        defer { engine.shutdown() }
        var dirty = true
        var pending: [Action] = []
        while true {
            if dirty {
                terminal.theme = state.theme.adapted(to: backend.themeSupport)
                try terminal.draw { frame in WorkbenchView.render(state, into: &frame) }
                dirty = false
            }
            if pending.isEmpty, let event = backend.readEvent(timeoutMilliseconds: engine.isIdle ? 250 : 50) {
                switch event {
                case .key(let key): pending.append(.key(key))
                case .resize(let size): pending.append(.resize(size))
                case .mouse(let event): pending.append(.mouse(event))
                }
            }
            pending += engine.drain()
            while !pending.isEmpty {
                let action = pending.removeFirst()
                let (next, effects) = reduce(state, action)
                state = next
                dirty = true
                for effect in effects {
                    switch effect {
                    case .quit:
                        return
                    case .rememberTheme(let name):
                        rememberTheme?(name)
                    case .loadRuns:
                        pending.append(.runsLoaded(RunRecord.loadAll(directory: context.runsDirectory)))
                    case .startImportance, .startRun, .cancel:
                        pending += engine.perform(effect)
                    }
                }
            }
        }
    }
}
