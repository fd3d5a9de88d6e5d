import Foundation
import ScalpelFormats
import ScalpelTerm
import Testing

/// The built `scalpel` binary driven through tmux: the real curses backend, keys, and the terminal
/// left sane after quitting, SIGTERM, Ctrl-C and a crash signal.
///
/// Build first (`swift build`), since these tests run the executable; they are skipped, with the reason,
/// when tmux or the binary is missing. `SCALPEL_BIN` names a binary explicitly.
@Suite(.serialized) struct EndToEndTests {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The tiny committed model the workbench opens.
    static let fixture = root.appendingPathComponent("Tests/ScalpelModelsTests/Fixtures/models/llama-fp32").path

    /// The `tmux` executable on `PATH`.
    static let tmux: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/tmux" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The built binary: `$SCALPEL_BIN`, else next to the test bundle (same build folder and configuration),
    /// else `.build/debug` or `.build/release` under the package root.
    static let binary: String? = {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["SCALPEL_BIN"] { return fm.isExecutableFile(atPath: explicit) ? explicit : nil }
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var dir = exe.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("scalpel").path)
                dir = dir.deletingLastPathComponent()
            }
        }
        candidates += ["debug", "release"].map { root.appendingPathComponent(".build/\($0)/scalpel").path }
        return candidates.first { fm.isExecutableFile(atPath: $0) && !$0.hasSuffix(".xctest") }
    }()

    @Test(.enabled(if: tmux != nil, "tmux is not installed; skipping the end-to-end workbench test"),
          .enabled(if: binary != nil, "no built scalpel binary found (run `swift build` first, or set SCALPEL_BIN)"))
    func workbenchRunsInARealTerminalAndAlwaysRestoresIt() throws {
        let session = try TmuxSession(tmux: Self.tmux!, width: 100, height: 30,
                                      environment: ["SCALPEL_THEMES": Self.root.appendingPathComponent("themes").path,
                                                    "SWIFT_BACKTRACE": "enable=no"])
        defer { session.close() }
        let bin = "'\(Self.binary!)'"
        let model = "'\(Self.fixture)'"

        // 1. Open, look around, quit with q.
        try session.type("\(bin) \(model); echo EXIT1=$?")
        try session.waitFor("Parameters by part")
        var screen = try session.capture()
        #expect(screen.contains("98,624 (98.6K) in 21 tensors"))
        #expect(screen.contains("│ layer 1                  43,136    43.7%  F32"))
        #expect(screen.contains("4-bit g128           4.25   52.40 KB"))
        #expect(try session.activeTab() == "1 Model")

        try session.keys("2")
        try session.waitFor("Importance not computed")
        #expect(try session.activeTab() == "2 Layers")

        // A click in the terminal's own mouse encoding (tmux's default terminal reports X10-style, not SGR).
        #expect(try session.format("mouse_standard_flag") == "1")
        try session.clickX10(try session.position(of: "3 Quantize"))
        try session.waitFor("Deploy memory")
        #expect(try session.activeTab() == "3 Quantize")
        try session.keys("2")
        try session.waitFor("Importance not computed")

        try session.keys("?")
        try session.waitFor("Show the keys")
        screen = try session.capture()
        #expect(screen.contains("Go to Compare"))
        try session.keys("Escape")
        try session.waitFor("Importance not computed", absent: "Show the keys")

        try session.keys(":")
        try session.literal("gtmod")
        try session.waitFor("> gtmod")
        try session.keys("Enter")
        try session.waitFor("Parameters by part", absent: "> gtmod")
        #expect(try session.activeTab() == "1 Model")

        try session.keys("q")
        try session.waitFor("EXIT1=0")
        screen = try session.capture()
        #expect(!screen.contains("Parameters by part"), "the shell's screen should be back")
        #expect(try session.terminalIsSane())

        // 2. SIGTERM from outside: the terminal is restored and the process dies of the signal.
        let pidFile = session.directory.appendingPathComponent("pid").path
        try session.type("clear; sh -c 'echo $$ > \(pidFile); exec \(bin) \(model)'; echo EXIT2=$?")
        try session.waitFor("Parameters by part")
        let pid = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGTERM)
        try session.waitFor("EXIT2=143")
        #expect(try session.terminalIsSane())

        // 3. Ctrl-C.
        try session.type("clear; \(bin) \(model)")
        try session.waitFor("Parameters by part")
        try session.keys("C-c")
        try session.waitFor("e2e$", absent: "Parameters by part")
        try session.type("echo EXIT3=$?")
        try session.waitFor("EXIT3=130")
        #expect(try session.terminalIsSane())

        // 4. A crash signal (what a runtime trap raises): restored, then the default action.
        try session.type("clear; sh -c 'echo $$ > \(pidFile); exec \(bin) \(model)'; echo EXIT4=$?")
        try session.waitFor("Parameters by part")
        let crashing = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(crashing, SIGSEGV)
        try session.waitFor("EXIT4=139")
        #expect(try session.terminalIsSane())
    }
}

extension EndToEndTests {
    /// The bundled sample model, which the workbench opens without an argument from the package root.
    static let sampleModel = root.appendingPathComponent("sample-models/derm-llava-tiny").path

    /// The whole loop on the sample model with the real engine (the `scalpel` binary running itself as
    /// the child): importance, marking blocks by key and by mouse, the estimate, 4-bit, a short run
    /// followed live, Compare, and the terminal (alternate screen, mouse reporting, line editing)
    /// given back. Nothing here depends on the model's weights: the expected numbers are read from the
    /// files the engine wrote.
    @Test(.enabled(if: tmux != nil, "tmux is not installed; skipping the end-to-end workbench test"),
          .enabled(if: binary != nil, "no built scalpel binary found (run `swift build` first, or set SCALPEL_BIN)"),
          .enabled(if: FileManager.default.fileExists(atPath: sampleModel + "/config.json"), "the sample model is missing"))
    func theSampleModelThroughTheRealEngine() throws {
        let scratch = FakeEngine.scratch("e2e-real")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let runs = scratch.appendingPathComponent("runs").path
        let config = scratch.appendingPathComponent("config").path
        let steps = 16
        // SCALPEL_ENGINE empty: the workbench runs its own binary as the engine.
        let session = try TmuxSession(tmux: Self.tmux!, width: 120, height: 36,
                                      environment: ["SCALPEL_THEMES": Self.root.appendingPathComponent("themes").path,
                                                    "SWIFT_BACKTRACE": "enable=no", "XDG_CONFIG_HOME": config, "SCALPEL_ENGINE": ""])
        defer { session.close() }
        let pidFile = session.directory.appendingPathComponent("pid").path
        // xterm-256color: ncurses then asks for SGR mouse reports, which the test can type.
        try session.type("cd '\(Self.root.path)' && TERM=xterm-256color sh -c 'echo $$ > \(pidFile); "
                         + "exec \(Self.binary!) --runs-dir \(runs) --steps \(steps)'; echo EXIT=$?")
        try session.waitFor("Parameters by part", timeout: 60)
        #expect(try session.format("alternate_on") == "1")
        #expect(try session.format("mouse_standard_flag") == "1" && session.format("mouse_sgr_flag") == "1",
                "the workbench asked for mouse reports")
        #expect(try session.capture().split(separator: "\n").first?.hasSuffix("derm-llava-tiny") == true)
        let workbench = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))

        // Importance by the engine, on the calibration data the prompt proposes.
        try session.keys("2")
        try session.waitFor("Importance not computed")
        try session.keys("c")
        try session.waitFor("synthderm-test.json▏")
        try session.keys("Enter")
        try session.waitFor("criteria on synthderm-test.json", timeout: 300)
        var screen = try session.capture()
        #expect(screen.contains(" influence ") && screen.contains(" angular ") && screen.contains(" magnitude "))
        let importance = try Self.newestFile(in: runs + "/.workbench", prefix: "importance-", suffix: ".json")
        // The project's parser: it reads doubles exactly (Foundation's can be off by an ulp).
        let json = try JSONValue.parse(string: String(contentsOfFile: importance, encoding: .utf8), file: importance)
        let scores = json["scores"]?["block_influence"]?.array?.compactMap(\.double)
        let influence = try #require(scores)
        #expect(screen.contains("block 0 · ") && screen.contains("· block_influence = \(influence[0]) · "),
                "the detail line shows the engine's unrounded score \(influence[0])")

        // Space marks blocks; the Drop panel's deploy memory and the Quantize total follow.
        let deploy0 = try session.value(after: "deploy     ")
        try session.keys("3")
        try session.waitFor("Deploy memory")
        let total0 = try session.total()
        try session.keys("2", "Space")
        try session.waitFor("blocks     1 of ")
        try session.keys("j", "Space")
        try session.waitFor("blocks     2 of ")
        let deploy2 = try session.value(after: "deploy     ")
        #expect(deploy2 != deploy0 && [deploy0, deploy2].allSatisfy { $0.hasSuffix(" MB") || $0.hasSuffix(" GB") }, "\(deploy0) → \(deploy2)")
        try session.keys("3")
        try session.waitFor("Blocks dropped: 2")
        let total2 = try session.total()
        #expect(total2 != total0 && [total0, total2].allSatisfy { $0.hasSuffix("MB") || $0.hasSuffix("GB") }, "\(total0) → \(total2)")
        // Pick 4-bit explicitly: 8, then back to 4.
        try session.keys("g", "j", "l")
        try session.waitFor("Bits               8-bit")
        let eight = try session.total()
        try session.keys("h")
        try session.waitFor("Bits               4-bit")
        #expect(try session.total() == total2 && eight != total2, "4-bit \(total2), 8-bit \(eight)")
        // Keystroke to screen through tmux (send-keys, then poll capture-pane until the bits change):
        // printed, an upper bound that includes tmux's own latency and the polling.
        var latencies: [Double] = []
        for i in 0..<10 {
            let (key, text) = i % 2 == 0 ? ("l", "8-bit") : ("h", "4-bit")
            let start = Date()
            try session.keys(key)
            while !(try session.capture()).contains("Bits               " + text), Date().timeIntervalSince(start) < 5 {}
            latencies.append(Date().timeIntervalSince(start) * 1000)
        }
        latencies.sort()
        print("workbench keystroke-to-screen through tmux at 120×36: median \(Int(latencies[5].rounded())) ms, "
              + "min \(Int(latencies[0].rounded())) ms, max \(Int(latencies[9].rounded())) ms (10 keys)")

        // The mouse: press the Layers tab, then block 3's row twice (select, then mark), then the Run tab.
        try session.click(try session.position(of: "2 Layers"))
        try session.waitFor("Blocks × criteria")
        let row3 = try session.position(of: "│   3 ")
        try session.click(Position(x: row3.x + 4, y: row3.y))
        try session.waitFor("block 3 · ")
        try session.click(Position(x: row3.x + 4, y: row3.y))
        try session.waitFor("blocks     3 of ")
        screen = try session.capture()
        #expect(screen.contains("│ ✗ 0 ") && screen.contains("│ ✗ 1 ") && screen.contains("│ ✗ 3 ") && screen.contains("0, 1, 3"))
        try session.click(try session.position(of: "4 Run"))

        // A short run: an engine child exists, progress and the loss curve update, it finishes.
        try session.waitFor("r launches: drop 3 · AWQ 4-bit g")
        #expect(try session.capture().contains(" · \(steps) SFT steps · swift engine"))
        try session.keys("r")
        try session.waitFor("· engine pid")
        let children = try Subprocess.run(["/usr/bin/pgrep", "-P", "\(workbench)"], captureOutput: true)
            .split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        let child = try #require(children.first, "the workbench has an engine child")
        let command = (try? String(contentsOfFile: "/proc/\(child)/cmdline", encoding: .utf8))?.split(separator: "\0").map(String.init) ?? []
        #expect(command.isEmpty || (command.contains("run") && command.contains("--events") && command.contains("swift")),
                "the child is `scalpel run RECIPE --backend swift --events -`: \(command)")
        var lossTitles: Set<String> = [], progress: Set<String> = []
        let deadline = Date().addingTimeInterval(300)
        screen = ""
        while Date() < deadline {
            screen = try session.capture()
            if let r = screen.range(of: "Loss · [0-9.]+ at step [0-9]+", options: .regularExpression) { lossTitles.insert(String(screen[r])) }
            if let r = screen.range(of: "[0-9]+/\(steps) steps", options: .regularExpression) { progress.insert(String(screen[r])) }
            if screen.contains(" finished in ") || screen.contains(" failed: ") { break }
            Thread.sleep(forTimeInterval: 0.03)
        }
        try #require(screen.contains(" finished in "), "the run finished:\n\(screen)")
        print("workbench run on the sample model (\(steps) SFT steps): \(screen.range(of: "finished in [0-9:]+", options: .regularExpression).map { String(screen[$0]) } ?? "?"), "
              + "\(lossTitles.count) loss titles and \(progress.count) progress labels seen while it ran")
        #expect(lossTitles.count >= 2 && progress.count >= 2, "the curve and the bar moved: \(lossTitles.sorted()), \(progress.sorted())")
        #expect(screen.contains("✓ prune") && screen.contains("✓ sft") && screen.contains("✓ quantize"))
        #expect(try Subprocess.run(["/usr/bin/pgrep", "-P", "\(workbench)"], captureOutput: true).isEmpty, "the child is gone")
        // The last loss shown is the last one the engine logged in the run folder.
        let ids = try FileManager.default.contentsOfDirectory(atPath: runs).filter { !$0.hasPrefix(".") }
        let id = try #require(ids.count == 1 ? ids.first : nil, "one run folder: \(ids)")
        let losses = try String(contentsOfFile: "\(runs)/\(id)/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONValue.parse(string: String($0)) }
            .filter { $0["type"]?.string == "loss" }
        let last = try #require(losses.last)
        let lastStep = try #require(last["step"]?.int), lastLoss = try #require(last["loss"]?.double)
        #expect(lastStep == steps && screen.contains("Loss · \(String(format: "%.4f", lastLoss)) at step \(steps)"),
                "the engine's last loss \(lastLoss) at step \(lastStep)")

        // Compare lists it, with the blocks it dropped; the filter narrows the list.
        try session.keys("5")
        try session.waitFor("completed")
        screen = try session.capture()
        #expect(screen.contains(id) && screen.contains("  0, 1, 3"))
        try session.keys("/")
        try session.literal("zzz")
        try session.waitFor("/zzz: 0 of 1")
        try session.keys("Escape")
        try session.waitFor("completed", absent: "/zzz")

        try session.keys("q")
        try session.waitFor("EXIT=0")
        #expect(try session.format("alternate_on") == "0")
        #expect(try session.format("mouse_standard_flag") == "0" && session.format("mouse_sgr_flag") == "0", "mouse reporting is off again")
        #expect(try session.terminalIsSane())
    }

    /// An engine that writes a malformed line and then dies of SIGSEGV mid-run (the fake engine script:
    /// the real one cannot be made to crash on cue): the run fails with the signal named, the workbench
    /// keeps working, and quitting gives the terminal back.
    @Test(.enabled(if: tmux != nil, "tmux is not installed; skipping the end-to-end workbench test"),
          .enabled(if: binary != nil, "no built scalpel binary found (run `swift build` first, or set SCALPEL_BIN)"))
    func aCrashingEngineFailsTheRunAndTheTerminalIsStillRestored() throws {
        let scratch = FakeEngine.scratch("e2e-crash")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let engine = try FakeEngine.install(in: scratch)
        let runs = scratch.appendingPathComponent("runs").path
        let session = try TmuxSession(tmux: Self.tmux!, width: 100, height: 30,
                                      environment: ["SCALPEL_THEMES": Self.root.appendingPathComponent("themes").path,
                                                    "SWIFT_BACKTRACE": "enable=no", "XDG_CONFIG_HOME": scratch.appendingPathComponent("config").path,
                                                    "SCALPEL_ENGINE": engine, "FAKE_ENGINE_MODE": "crash"])
        defer { session.close() }
        try session.type("\(Self.binary!) \(Self.fixture) --runs-dir \(runs) --theme colorblind; echo EXIT=$?")
        try session.waitFor("Parameters by part")
        // RTN needs no calibration data (the fixture has none).
        try session.keys("3", "g", "l", "l")
        try session.waitFor("RTN")
        try session.keys("4", "r")
        try session.waitFor("killed by signal 11 (SIGSEGV)", timeout: 60)
        let screen = try session.capture()
        #expect(screen.contains("failed: the engine crashed"))
        #expect(screen.contains("unreadable engine line: this is not an event"))
        try session.keys("5")
        try session.waitFor("incomplete")
        try session.keys("q")
        try session.waitFor("EXIT=0")
        #expect(try session.format("alternate_on") == "0")
        #expect(try session.terminalIsSane())
    }

    /// The newest file in `directory` named `prefix…suffix`.
    static func newestFile(in directory: String, prefix: String, suffix: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }
        guard let name = names.sorted().last else { throw Subprocess.Failure(description: "no \(prefix)*\(suffix) in \(directory)") }
        return directory + "/" + name
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed; skipping the end-to-end workbench test"),
          .enabled(if: binary != nil, "no built scalpel binary found (run `swift build` first, or set SCALPEL_BIN)"))
    func eightAnd256ColourTerminalsBothWork() throws {
        for term in ["xterm", "screen", "xterm-256color"] {
            let session = try TmuxSession(tmux: Self.tmux!, width: 100, height: 30,
                                          environment: ["SCALPEL_THEMES": Self.root.appendingPathComponent("themes").path,
                                                        "XDG_CONFIG_HOME": FakeEngine.scratch("cfg").path])
            defer { session.close() }
            try session.type("TERM=\(term) \(Self.binary!) \(Self.fixture) --theme high-contrast; echo EXIT=$?")
            try session.waitFor("Parameters by part")
            let colours = try session.capture(escapes: true)
            #expect(colours.contains("\u{1B}["), "TERM=\(term): colours are drawn")
            for key in ["2", "3", "4", "5"] { try session.keys(key) }
            try session.waitFor("No runs in")
            try session.keys("q")
            try session.waitFor("EXIT=0")
            #expect(try session.alternateScreen() == 0)
            #expect(try session.terminalIsSane(), "TERM=\(term)")
        }
    }
}

/// A detached tmux server and session running `sh`, private to one test.
struct TmuxSession {
    let tmux: String
    let socket: String
    /// A scratch folder for files the shell writes.
    let directory: URL

    /// Starts `sh` in a `width`×`height` session with a UTF-8 locale, an `e2e$ ` prompt and `environment`.
    init(tmux: String, width: Int, height: Int, environment: [String: String]) throws {
        self.tmux = tmux
        socket = "scalpel-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var args = ["new-session", "-d", "-s", "e2e", "-x", "\(width)", "-y", "\(height)"]
        for (k, v) in environment.merging(["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PS1": "e2e$ ", "ENV": ""], uniquingKeysWith: { a, _ in a }) {
            args += ["-e", "\(k)=\(v)"]
        }
        args.append("env PS1='e2e$ ' sh")
        _ = try run(args)
        do {
            try waitFor("e2e$")
        } catch {
            close()
            throw error
        }
    }

    /// Runs a tmux command on this server and returns its output.
    @discardableResult
    func run(_ args: [String]) throws -> String {
        // The command that starts the server must not hand it our pipe: the server would keep it open.
        try Subprocess.run([tmux, "-L", socket, "-f", "/dev/null"] + args, captureOutput: args.first != "new-session")
    }

    /// Sends key names (`Enter`, `Escape`, `C-c`, or characters).
    func keys(_ names: String...) throws { try run(["send-keys", "-t", "e2e"] + names) }

    /// Sends text literally.
    func literal(_ text: String) throws { try run(["send-keys", "-t", "e2e", "-l", text]) }

    /// Types a shell command line and presses Enter.
    func type(_ line: String) throws {
        try literal(line)
        try keys("Enter")
    }

    /// The visible screen as text; with `escapes`, including colour and attribute sequences.
    func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p", "-t", "e2e"] + (escapes ? ["-e"] : []))
    }

    /// Polls until the screen contains `text` (and not `absent`), for up to `timeout` seconds.
    func waitFor(_ text: String, absent: String? = nil, timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if screen.contains(text) && !(absent.map(screen.contains) ?? false) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out waiting for \"\(text)\"\(absent.map { " without \"\($0)\"" } ?? ""); screen:\n\(screen)",
                     sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// The title of the tab drawn in reverse video on the first row.
    func activeTab() throws -> String? {
        let first = try capture(escapes: true).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var reversed = false
        var title = ""
        var i = first.startIndex
        while i < first.endIndex {
            if first[i] == "\u{1B}", let m = first[i...].firstIndex(of: "m") {
                let params = first[first.index(i, offsetBy: 2)..<m].split(separator: ";")
                if params.isEmpty || params.contains("0") { reversed = false }
                if params.contains("7") { reversed = true }
                if params.contains("27") { reversed = false }
                i = first.index(after: m)
                continue
            }
            if reversed { title.append(first[i]) }
            i = first.index(after: i)
        }
        let trimmed = title.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A tmux format of the pane, such as `alternate_on` or `mouse_standard_flag`.
    func format(_ name: String) throws -> String {
        try run(["display-message", "-p", "-t", "e2e", "#{\(name)}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Where `text` starts on the screen (column and row, 0-based; every glyph the workbench draws is
    /// one cell wide).
    func position(of text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Position {
        let rows = try capture().split(separator: "\n", omittingEmptySubsequences: false)
        for (y, row) in rows.enumerated() {
            if let r = row.range(of: text) { return Position(x: row.distance(from: row.startIndex, to: r.lowerBound), y: y) }
        }
        Issue.record("\"\(text)\" is not on the screen", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// A left click at `position`, typed as the SGR mouse report a terminal sends (press, then release):
    /// `send-keys` has no clicks of its own.
    func click(_ position: Position) throws {
        try literal("\u{1B}[<0;\(position.x + 1);\(position.y + 1)M")
        try literal("\u{1B}[<0;\(position.x + 1);\(position.y + 1)m")
    }

    /// A left click at `position` as an X10 mouse report (`ESC [ M` and three bytes, 32 + button, column
    /// and row from 1), what terminals without SGR reporting send; columns and rows below 95 only, as the
    /// bytes must stay ASCII to be typed.
    func clickX10(_ position: Position) throws {
        precondition(position.x < 94 && position.y < 94)
        func byte(_ n: Int) -> String { String(UnicodeScalar(UInt8(32 + n))) }
        try literal("\u{1B}[M" + byte(0) + byte(position.x + 1) + byte(position.y + 1))
        try literal("\u{1B}[M" + byte(3) + byte(position.x + 1) + byte(position.y + 1))
    }

    /// The word pair after `label` on the screen, such as `17.31 MB` after `deploy     `.
    func value(after label: String) throws -> String {
        let screen = try capture()
        guard let r = screen.range(of: label) else { return "" }
        let words = screen[r.upperBound...].prefix(while: { $0 != "\n" && $0 != "│" }).split(separator: " ")
        return words.prefix(2).joined(separator: " ")
    }

    /// tmux's `#{alternate_on}`: 1 while a full-screen program has the alternate screen.
    func alternateScreen() throws -> Int {
        Int(try run(["display-message", "-p", "-t", "e2e", "#{alternate_on}"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The `total` of the Quantize screen's estimate, such as `1.23 MB`.
    func total() throws -> String {
        let line = try capture().split(separator: "\n").first { $0.contains("│ total") || $0.contains(" total ") } ?? ""
        let words = line.split(separator: " ").filter { $0 != "│" }
        guard let unit = words.last, words.count >= 2 else { return "" }
        return "\(words[words.count - 2]) \(unit)"
    }

    /// Whether `stty -a` in the shell shows line editing and echo switched back on.
    func terminalIsSane() throws -> Bool {
        let file = directory.appendingPathComponent("stty-\(UInt32.random(in: 0...UInt32.max))").path
        // The marker is computed by the shell, so the typed command line does not already show it.
        try type("stty -a > \(file); echo STTY-DONE-$((40+2))")
        try waitFor("STTY-DONE-42")
        let settings = try String(contentsOfFile: file, encoding: .utf8)
        let words = Set(settings.split { $0 == " " || $0 == "\n" || $0 == ";" }.map(String.init))
        return words.contains("icanon") && words.contains("echo") && !words.contains("-icanon") && !words.contains("-echo")
    }

    /// Ends the tmux server and removes the scratch folder.
    func close() {
        _ = try? run(["kill-server"])
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs a program with `posix_spawn` and waits for it (Foundation's `Process` can miss the exit of a
/// child that daemonizes, as the tmux client does when it starts a server).
enum Subprocess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `argv` with the test's environment (minus `TMUX`, plus a UTF-8 locale); returns standard
    /// output and error together when `captureOutput`, else sends them to /dev/null.
    static func run(_ argv: [String], captureOutput: Bool) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        env.removeValue(forKey: "TMUX")
        var fds: [Int32] = [-1, -1]
        if captureOutput { guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed") } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        // Test threads may run with signals blocked; the child (a tmux server, say) must not inherit that.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw Failure(description: "cannot run \(argv[0]): error \(rc)") }
        var output = [UInt8]()
        if captureOutput {
            close(fds[1])
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fds[0], &buffer, buffer.count)
                if n > 0 { output += buffer[0..<n] } else if n == 0 || errno != EINTR { break }
            }
            close(fds[0])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }
}
