/// A problem in a theme file, with the 1-based line it was found on.
public struct ThemeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The line number, counting from 1.
    public var line: Int
    /// What is wrong, in words.
    public var message: String

    /// Creates an error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `line 7: unknown colour "purpel" …`.
    public var description: String { "line \(line): \(message)" }
}
