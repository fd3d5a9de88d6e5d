import Foundation
import Testing
@testable import ScalpelEngine

/// docs/protocol.md shows the code's own examples, and every JSON line in it parses.
@Suite("Protocol document")
struct ProtocolDocumentTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/protocol.md").path

    @Test("the examples form a conforming stream with every event type")
    func examplesConform() {
        let events = ProtocolExamples.events
        #expect(EventStreamValidator.problems(events: events).isEmpty)
        let known = ["hello", "stage", "progress", "loss", "memory", "importance", "metric", "artifact", "log", "error", "done"]
        #expect(Set(events.map(\.type)) == Set(known))
        for e in events { #expect((try? EngineEvent(line: e.jsonLine())) == e) }
    }

    @Test("docs/protocol.md shows each type's example line exactly, and every line it shows parses")
    func documentMatchesCode() throws {
        let text = try String(contentsOfFile: Self.document, encoding: .utf8)
        for event in ProtocolExamples.firstOfEachType {
            #expect(text.contains(event.jsonLine()), "docs/protocol.md lacks the \(event.type) example: \(event.jsonLine())")
        }
        let lines = text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("{\"") }
        #expect(lines.count >= ProtocolExamples.firstOfEachType.count)
        for line in lines { #expect(throws: Never.self) { _ = try EngineEvent(line: line) } }
    }
}
