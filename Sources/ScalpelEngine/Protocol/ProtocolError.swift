/// A line of the event stream that cannot be read: not JSON, not an object, or a known event type with a
/// missing or mistyped field. The message names the type and the field.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
