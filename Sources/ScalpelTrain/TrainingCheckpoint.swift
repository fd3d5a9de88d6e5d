import Foundation
import ScalpelFormats
import ScalpelModels

/// A resumable training state in one safetensors file, written atomically: every trainable
/// parameter (`param.<name>`), AdamW's moments (`adam_m.<name>`, `adam_v.<name>`), and in the metadata
/// the optimizer step, the forward-pass count (dropout stream) and the data loader's position.
public enum TrainingCheckpoint {
    public static let fileName = "trainer_state.safetensors"

    /// Writes `directory/trainer_state.safetensors` (the directory is created if needed).
    public static func save(_ trainer: SFTTrainer, loader: SFTDataLoader?, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var metadata = [
            "format": "scalpel-train-1",
            "step": String(trainer.optimizer.stepCount),
            "forward_count": String(trainer.decoder.forwardCount),
        ]
        if let loader {
            metadata["data_epoch"] = String(loader.epoch)
            metadata["data_index"] = String(loader.index)
        }
        var writer = SafetensorsWriter(metadata: metadata)
        let moments = trainer.optimizer.moments
        for (i, p) in trainer.parameters.enumerated() {
            try writer.add("param." + p.name, floats: p.value.array, shape: p.shape)
            if i < moments.count {
                try writer.add("adam_m." + p.name, floats: moments[i].m.array, shape: p.shape)
                try writer.add("adam_v." + p.name, floats: moments[i].v.array, shape: p.shape)
            }
        }
        try writer.write(to: directory + "/" + fileName)
    }

    /// Restores a state `save` wrote into a trainer built the same way (same model, LoRA and
    /// full-fine-tuning choices), and moves `loader` to the saved position.
    public static func load(into trainer: SFTTrainer, loader: inout SFTDataLoader?, from directory: String) throws {
        let path = directory + "/" + fileName
        let file = try SafetensorsFile(path: path)
        let meta = file.metadata
        guard meta["format"] == "scalpel-train-1", let step = meta["step"].flatMap(Int.init),
              let forwardCount = meta["forward_count"].flatMap(UInt64.init) else {
            throw FormatError(file: path, "not a Scalpel training checkpoint (missing format, step or forward_count metadata)")
        }
        var moments: [(m: [Float], v: [Float])] = []
        for p in trainer.parameters {
            func read(_ name: String) throws -> [Float] {
                guard let info = file.info(name) else {
                    throw FormatError(file: path, "no tensor '\(name)': the checkpoint was written for other trainable parameters")
                }
                guard info.shape == p.shape else { throw FormatError(file: path, "tensor '\(name)' has shape \(info.shape), expected \(p.shape)") }
                return try file.floats(name)
            }
            let values = try read("param." + p.name)
            values.withUnsafeBufferPointer { p.value.pointer.update(from: $0.baseAddress!, count: values.count) }
            if step > 0 { moments.append((try read("adam_m." + p.name), try read("adam_v." + p.name))) }
        }
        trainer.optimizer.restore(stepCount: step, moments: moments)
        trainer.decoder.forwardCount = forwardCount
        if loader != nil, let epoch = meta["data_epoch"].flatMap(Int.init), let index = meta["data_index"].flatMap(Int.init) {
            loader!.seek(epoch: epoch, index: index)
        }
    }
}
