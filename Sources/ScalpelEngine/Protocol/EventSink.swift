import Foundation

/// Where event lines go. Each call gets one complete line without its newline; a sink writes it whole.
public protocol EventSink: Sendable {
    func write(line: String)
}

/// The sinks command-line options name.
public enum EventSinks {
    /// The sink an `--events` option names: `-` for standard output, anything else a file appended to.
    public static func named(_ option: String) throws -> EventSink {
        option == "-" ? StandardOutputSink() : try FileEventSink(path: option)
    }
}

/// Writes lines to standard output, flushed per line, so a parent process reading the pipe sees each
/// event as soon as it happens.
public struct StandardOutputSink: EventSink {
    public init() {}

    public func write(line: String) {
        FileHandle.standardOutput.writeAll(line + "\n")
    }
}

/// Appends lines to a file (a run's `events.jsonl`), creating it if needed. Each line goes out in one
/// `write`, so a run killed mid-stream leaves at worst one partial last line, which readers skip.
public final class FileEventSink: EventSink, @unchecked Sendable {
    private let handle: FileHandle
    public let path: String

    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ProtocolError("cannot create the event log \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ProtocolError("cannot open the event log \(path) for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    public func write(line: String) {
        handle.writeAll(line + "\n")
    }

    deinit {
        try? handle.close()
    }
}

/// Hands each line to a closure (tests, in-process listeners).
public struct CallbackSink: EventSink {
    private let body: @Sendable (String) -> Void

    public init(_ body: @escaping @Sendable (String) -> Void) {
        self.body = body
    }

    public func write(line: String) {
        body(line)
    }
}

extension FileHandle {
    /// Writes every byte of `text`, retrying short writes; errors (a closed pipe) are ignored — losing the
    /// listener must not stop the run, whose events also go to its log file.
    func writeAll(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        let fd = fileDescriptor
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
