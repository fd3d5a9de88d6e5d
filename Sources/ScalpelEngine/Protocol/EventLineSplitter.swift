/// Cuts a byte stream (a child engine's stdout, read in arbitrary chunks) into complete lines. Bytes after
/// the last newline wait for the next chunk; `finish()` returns what is left when the stream ends.
public struct EventLineSplitter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The complete lines in `chunk` (together with what was pending), without their newlines; blank
    /// lines and a trailing `\r` are dropped.
    public mutating func feed<Bytes: Sequence>(_ chunk: Bytes) -> [String] where Bytes.Element == UInt8 {
        var lines: [String] = []
        for byte in chunk {
            if byte == 0x0A {
                if pending.last == 0x0D { pending.removeLast() }
                if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return lines
    }

    /// The unterminated last line, if any (a stream cut off mid-line).
    public mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}
