/// A recipe that cannot run, with every problem found in it.
public struct RecipeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Sorted by line, then column.
    public var diagnostics: [RecipeDiagnostic]

    public init(diagnostics: [RecipeDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One `file:line:column: message (hint)` per line.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
