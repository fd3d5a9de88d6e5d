import Foundation
import ScalpelFormats
import ScalpelModels

/// A standard checkpoint folder with trained weights: `config.json`, `model.safetensors` (the base's
/// tensors, the decoder's replaced by the trained or adapter-merged ones), and the base's tokenizer
/// and preprocessor files. A LLaVA base keeps its vision tower and projector tensors as they were.
/// The folder is built under a temporary name beside `output` and renamed into place.
public enum MergedCheckpoint {
    /// Writes `decoder`'s weights (LoRA adapters folded in) over `base`'s into `output`.
    public static func write(base: Checkpoint, decoder: TrainableDecoder, to output: String) throws {
        throw ModelError("MergedCheckpoint is not implemented yet")
    }

    /// `scalpel merge`: folds the PEFT adapter folder `adapter` into `base` and writes `output`.
    public static func merge(base: String, adapter: String, to output: String) throws {
        throw ModelError("MergedCheckpoint is not implemented yet")
    }
}
