import Foundation
import ScalpelFormats
import ScalpelModels

/// A whole fine-tuning run: opens the model, builds the trainable decoder (LoRA or full), loads the
/// data and the validation split, runs the optimizer steps with gradient accumulation, evaluates,
/// checkpoints into the output folder (resumable bit for bit), and exports the PEFT adapter and,
/// on request, a merged checkpoint.
public final class SFTRun {
    public let configuration: SFTRunConfiguration

    /// Checks the settings that need no file (steps, sizes, rates).
    /// - Throws: `ModelError` naming the first bad setting.
    public init(_ configuration: SFTRunConfiguration) throws {
        self.configuration = configuration
    }

    /// Runs (or resumes) the run to its last step, or until `stop` is set.
    /// - Throws: `FormatError`/`ModelError` for bad input (no tokenizer, no answer tokens, a LoRA
    ///   target matching nothing, a non-empty output folder without `resume`, ...).
    public func run(observer: SFTRunObserver = SFTRunObserver(), stop: SFTRunStopFlag? = nil) throws -> SFTRunResult {
        throw ModelError("SFTRun is not implemented yet")
    }
}
