import ScalpelCompress
import ScalpelFormats
import ScalpelModels

/// What the stages hand on to each other: the model the next stage starts from and what earlier stages
/// decided. Rebuilt from `state.json` when a run resumes.
struct PipelineContext {
    /// The recipe's input model.
    let input: String
    let inputConfig: ModelConfig
    /// The model the next stage reads (the latest stage's output folder, else the input).
    var model: String
    /// Block order per criterion (least important first), from the importance stage.
    var order: [String: [Int]] = [:]
    var dropped: [Int] = []
    var finalLoss: Double?
    /// The quantized decoder while this process holds it (the export stage writes from it).
    var quantized: QuantizedDecoder?
    /// Metric values by split (eval set name, `baseline/<set>`), then by name.
    var metrics: [String: [String: Double]] = [:]
    /// Peak resident bytes while the final model was evaluated.
    var measuredPeak: Int?
    /// Bytes of each exported format.
    var exported: [String: Int] = [:]

    init(input: String, config: ModelConfig) {
        self.input = input
        self.inputConfig = config
        self.model = input
    }

    var originalLayers: Int { inputConfig.text.numHiddenLayers }
}
