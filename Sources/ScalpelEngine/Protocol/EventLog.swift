import Foundation

/// Reading a run's `events.jsonl` back: every complete, well-formed line in order. A partial last line (the
/// run was killed while writing it) is skipped; a malformed complete line is an error naming its number.
public enum EventLog {
    public static func read(path: String) throws -> [EngineEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProtocolError("cannot read the event log \(path)")
        }
        var splitter = EventLineSplitter()
        let lines = splitter.feed(data)
        return try lines.enumerated().map { index, line in
            do {
                return try EngineEvent(line: line)
            } catch let error as ProtocolError {
                throw ProtocolError("\(path):\(index + 1): \(error.message)")
            }
        }
    }
}
