/// One problem found in a recipe, at a line and column of its file.
public struct RecipeDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem has no place in the file (e.g. it cannot be read).
    public var line: Int
    public var column: Int
    public var message: String
    /// What to do about it, when there is something to suggest.
    public var hint: String?

    public init(file: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: message (hint)`.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(place): \(message)" + (hint.map { " (\($0))" } ?? "")
    }
}
