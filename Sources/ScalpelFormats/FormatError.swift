/// A file Scalpel refuses to read, and why. Printed as one line: `path: problem`.
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or folder) that was being read.
    public var file: String
    /// What is wrong with it, in words a user can act on.
    public var problem: String

    public init(file: String, _ problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
