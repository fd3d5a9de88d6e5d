/// Everything a fine-tuning run needs: the model, the data, the method and the schedule, and the
/// output folder. Field names follow the recipe's `sft` section.
public struct SFTRunConfiguration: Sendable, Equatable {
    /// What trains.
    public enum Method: Sendable, Equatable {
        /// LoRA adapters on the linears `targets` names; the base stays frozen.
        case lora(LoRAConfig)
        /// Full fine-tuning of `parts`: `decoder` (every block and the final norm), `embeddings`,
        /// `lm_head`, `norm`, `blocks.N` or `blocks.A-B` (inclusive).
        case full(parts: [String])
    }

    /// A Hugging Face model folder (LLaMA or LLaVA) or a GGUF file.
    public var model: String
    /// Training data: LLaVA conversation JSON (`.json`) or plain UTF-8 text.
    public var data: String
    /// Validation data (same formats); nil: `validationFraction` of `data` is held out instead.
    public var validation: String?
    /// Share of `data` held out for validation when `validation` is nil (0: no validation).
    public var validationFraction: Double
    /// The output folder: `checkpoints/`, `adapter/`, `merged/`, `run.json`.
    public var output: String
    public var method: Method
    /// Optimizer steps.
    public var steps: Int
    /// Sequences per micro-batch.
    public var batchSize: Int
    /// Micro-batches per optimizer step.
    public var gradAccum: Int
    public var learningRate: Float
    public var warmup: Int
    /// Floor of the cosine decay, as a fraction of `learningRate`.
    public var minLearningRateRatio: Float
    public var weightDecay: Float
    /// Global gradient-norm clip (nil: none).
    public var maxGradNorm: Float?
    /// Tokens per sequence (text windows, truncation and padding of conversations).
    public var seqLen: Int
    /// Validation loss every N steps, and after the last one (0: never).
    public var evalEvery: Int
    /// A checkpoint every N steps (0: only when stopped); the last step always writes one.
    public var checkpointEvery: Int
    /// Seeds the data order, the validation split, LoRA's A initialisation and dropout.
    public var seed: UInt64
    /// Continue from the latest checkpoint in `output`.
    public var resume: Bool
    /// Also write `output/merged/`: a standard checkpoint with the adapter folded in (LoRA), or the
    /// trained weights (full fine-tuning, where it is written anyway unless the base is a GGUF file).
    public var merge: Bool
    /// Chat format of conversations (nil: from the tokenizer's template or the model type).
    public var chatFormat: String?
    /// Recompute each block's forward before its backward (less memory, more time).
    public var recompute: Bool
    /// Checkpoints kept in `output/checkpoints/` (the newest ones; at least 1).
    public var keepCheckpoints: Int

    public init(model: String, data: String, validation: String? = nil, validationFraction: Double = 0,
                output: String, method: Method = .lora(LoRAConfig()), steps: Int = 100, batchSize: Int = 4,
                gradAccum: Int = 1, learningRate: Float = 2e-4, warmup: Int = 0, minLearningRateRatio: Float = 0,
                weightDecay: Float = 0, maxGradNorm: Float? = 1, seqLen: Int = 256, evalEvery: Int = 0,
                checkpointEvery: Int = 20, seed: UInt64 = 0, resume: Bool = false, merge: Bool = false,
                chatFormat: String? = nil, recompute: Bool = false, keepCheckpoints: Int = 2) {
        self.model = model
        self.data = data
        self.validation = validation
        self.validationFraction = validationFraction
        self.output = output
        self.method = method
        self.steps = steps
        self.batchSize = batchSize
        self.gradAccum = gradAccum
        self.learningRate = learningRate
        self.warmup = warmup
        self.minLearningRateRatio = minLearningRateRatio
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
        self.seqLen = seqLen
        self.evalEvery = evalEvery
        self.checkpointEvery = checkpointEvery
        self.seed = seed
        self.resume = resume
        self.merge = merge
        self.chatFormat = chatFormat
        self.recompute = recompute
        self.keepCheckpoints = keepCheckpoints
    }
}
