import Foundation
import Testing
@testable import ScalpelTerm

/// Golden screens: rendered lines compared with `Golden/<name>.txt`, rewritten when
/// `SCALPEL_RECORD_GOLDEN=1` is set.
///
/// Each stored row is framed in `|…|`, so trailing blanks survive editors and are visible in diffs.
enum Golden {
    /// The folder holding the golden files (next to this test target's sources).
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")

    /// Whether goldens are being re-recorded.
    static var recording: Bool { ProcessInfo.processInfo.environment["SCALPEL_RECORD_GOLDEN"] == "1" }

    /// The file text for `lines`.
    static func text(_ lines: [String]) -> String {
        lines.map { "|" + $0 + "|" }.joined(separator: "\n") + "\n"
    }

    /// Compares `lines` with the golden file `name`, or records it.
    static func check(_ name: String, _ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name + ".txt")
        let actual = text(lines)
        if recording {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try actual.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                Issue.record("could not record golden \(name): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden \(name).txt; run with SCALPEL_RECORD_GOLDEN=1 to record it\n\(actual)",
                         sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record("screen differs from golden \(name).txt\n--- expected\n\(expected)--- actual\n\(actual)",
                         sourceLocation: sourceLocation)
        }
    }

    /// Checks a buffer's text against the golden file `name`.
    static func check(_ name: String, _ buffer: Buffer, sourceLocation: SourceLocation = #_sourceLocation) {
        check(name, buffer.lines, sourceLocation: sourceLocation)
    }
}

/// Renders `widget` into a fresh `width`×`height` buffer.
func render(_ widget: some Widget, width: Int, height: Int, theme: Theme = .default) -> Buffer {
    var buffer = Buffer(area: Rect(width: width, height: height))
    widget.render(into: &buffer, area: buffer.area, theme: theme)
    return buffer
}

/// Renders a stateful widget into a fresh `width`×`height` buffer.
func render<W: StatefulWidget>(_ widget: W, width: Int, height: Int, state: inout W.State, theme: Theme = .default) -> Buffer {
    var buffer = Buffer(area: Rect(width: width, height: height))
    widget.render(into: &buffer, area: buffer.area, theme: theme, state: &state)
    return buffer
}

/// The repository root (for the `themes/` folder).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
