/// A rejected call in the checked layer: which op, and what was wrong, as one line
/// (`linear: input has 575 features but weight expects 576`).
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The op that refused, e.g. `linear`.
    public var op: String
    /// What was wrong, without the op name.
    public var message: String

    /// An error from `op` saying `message`.
    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var description: String { "\(op): \(message)" }
}
