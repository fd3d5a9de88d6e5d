/// A request a loaded model cannot serve (a token id past the vocabulary, a sequence longer than
/// the cache), reported as one line.
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
