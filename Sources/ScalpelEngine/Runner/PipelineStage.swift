/// The stages of a run, in the order they execute. Every run reports all of them: a stage the recipe
/// does not ask for is `skipped`.
public enum PipelineStage: String, Sendable, CaseIterable {
    /// Block importance on the calibration data (when pruning by count or an `importance` section).
    case importance
    /// Drop decoder blocks.
    case prune
    /// Heal with LoRA or full fine-tuning.
    case sft
    /// Quantize the decoder's linears.
    case quantize
    /// Evaluate the unmodified input model (`baseline: true`).
    case baselineEval = "baseline_eval"
    /// Evaluate the final model.
    case eval
    /// Write the final model in the export formats.
    case export

    /// The stage's position among all stages (0-based).
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    /// Its folder in the run: `01-importance`.
    public var folderName: String { RunFolder.stageFolderName(index: index, name: rawValue) }

    /// Whether `recipe` asks for this stage.
    public func applies(to recipe: Recipe) -> Bool {
        switch self {
        case .importance: recipe.importance != nil
        case .prune: recipe.prune != nil
        case .sft: recipe.sft != nil
        case .quantize: recipe.quantize != nil
        case .baselineEval: recipe.baseline && !recipe.evaluations.isEmpty
        case .eval: !recipe.evaluations.isEmpty
        case .export: recipe.export != nil
        }
    }
}
