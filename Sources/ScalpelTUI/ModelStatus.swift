/// Whether the workbench has a model open.
public enum ModelStatus: Hashable, Sendable {
    /// A model was opened.
    case loaded(ModelSummary)
    /// No model could be opened: where the workbench looked and why it has none.
    case unavailable(path: String, reason: String)

    /// The summary, when a model is open.
    public var summary: ModelSummary? {
        if case .loaded(let s) = self { return s }
        return nil
    }
}
