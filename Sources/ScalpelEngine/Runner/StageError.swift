/// A failure the runner reports as an `error` event: a stable short `code`, a message and a hint saying
/// what to do about it.
public struct StageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var hint: String?

    public init(code: String, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }
}
