/// How a fine-tuning run ended and what it left in the output folder.
public struct SFTRunResult: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        /// Every step ran and the outputs are written.
        case completed
        /// Stopped through the stop flag: a checkpoint was written, `resume` continues.
        case cancelled
    }

    public var status: Status
    /// Optimizer steps completed.
    public var step: Int
    /// Loss of the last step run by this call (nil when none ran, e.g. resuming a finished run).
    public var loss: Float?
    /// The last validation loss (nil: no validation).
    public var validationLoss: Float?
    /// The newest checkpoint folder.
    public var checkpoint: String?
    /// `output/adapter` (LoRA, completed runs).
    public var adapter: String?
    /// `output/merged` when written.
    public var merged: String?

    public init(status: Status, step: Int, loss: Float?, validationLoss: Float?, checkpoint: String?,
                adapter: String?, merged: String?) {
        self.status = status
        self.step = step
        self.loss = loss
        self.validationLoss = validationLoss
        self.checkpoint = checkpoint
        self.adapter = adapter
        self.merged = merged
    }
}
