/// A one-line text prompt: what it asks for and what has been typed.
public struct Prompt: Hashable, Sendable {
    /// What the answer is used for.
    public enum Purpose: Hashable, Sendable {
        /// The calibration data file for importance.
        case calibration
        /// How many blocks to mark, by the criterion in `column`.
        case autoSelect(column: Int)
        /// The context length.
        case context
        /// The memory budget in GB.
        case budget
    }

    /// What the answer is for.
    public var purpose: Purpose
    /// The question.
    public var title: String
    /// The text typed so far.
    public var text: String

    /// Creates a prompt.
    public init(_ purpose: Purpose, title: String, text: String = "") {
        self.purpose = purpose
        self.title = title
        self.text = text
    }
}
