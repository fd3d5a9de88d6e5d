import Foundation
import ScalpelFormats
import ScalpelModels

/// A standard checkpoint folder with trained weights: `config.json`, `model.safetensors` (the base's
/// tensors, the trained ones replaced), and the base's other files (tokenizer, preprocessor,
/// generation config) copied. Tensors that did not train — a LLaVA base's vision tower and
/// projector among them — keep their stored bytes and dtype; trained or adapter-merged ones are
/// written as F32 so nothing of the update is rounded away. The folder is built under a temporary
/// name beside `output` and renamed into place.
public enum MergedCheckpoint {
    /// Writes `decoder`'s trained weights over `base`'s into `output`, after folding its LoRA
    /// adapters into their base weights (`TrainableDecoder.mergeAdapters`, which zeroes every B).
    /// - Throws: `FormatError` for a base that is not a safetensors folder (a GGUF file, a quantized folder).
    public static func write(base: Checkpoint, decoder: TrainableDecoder, to output: String) throws {
        let raw = try checkBase(base)
        decoder.mergeAdapters()
        let trained = trainedBuffers(decoder)
        for name in trained.keys where base.weights.info(name) == nil {
            throw FormatError(file: base.path, "the base has no tensor '\(name)' that training changed (was the decoder built from another checkpoint?)")
        }
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for name in base.weights.tensorNames {
            if let buffer = trained[name] {
                let shape = base.weights.info(name)!.shape
                guard shape.reduce(1, *) == buffer.count else {
                    throw FormatError(file: base.path, "tensor '\(name)' has shape \(shape) but the trained weight holds \(buffer.count) values")
                }
                try writer.add(name, dtype: .f32, shape: shape) {
                    UnsafeRawBufferPointer(start: buffer.readPointer, count: buffer.count * MemoryLayout<Float>.size).map { $0 }
                }
            } else {
                guard let (file, tensor) = raw(name) else {
                    throw FormatError(file: base.path, "cannot read tensor '\(name)' as stored")
                }
                try writer.add(name, dtype: tensor.dtype, shape: tensor.shape) { Array(file.rawBytes(tensor)) }
            }
        }
        try SFTRunFolder.replaceAtomically(output) { tmp in
            try copyOtherFiles(from: base.path, to: tmp)
            try writer.write(to: tmp + "/model.safetensors")
        }
    }

    /// `scalpel merge`: folds the PEFT adapter folder `adapter` into `base` and writes `output`.
    /// - Throws: `FormatError` for an adapter that does not fit the base, uses PEFT features this
    ///   merge does not support (DoRA, per-module ranks, fan-in-fan-out), or holds tensors no LoRA
    ///   module of the decoder takes.
    public static func merge(base: String, adapter: String, to output: String) throws {
        let checkpoint = try Checkpoint.open(base)
        guard checkpoint.gguf == nil else {
            throw FormatError(file: base, "merge needs a Hugging Face safetensors base folder, not a GGUF file")
        }
        let config = try PEFTAdapter.readConfig(directory: adapter)
        let model: LlamaModel, names: LlamaTensorNames
        if checkpoint.config.llava != nil {
            names = LlavaTensorNames.detect(in: checkpoint.weights).text
            model = try LlamaModel(source: checkpoint.weights, config: checkpoint.config.text, names: names)
        } else {
            names = LlamaTensorNames.detect(in: checkpoint.weights)
            model = try checkpoint.loadDecoder()
        }
        let decoder = try TrainableDecoder(model: model, names: names, lora: config)
        try PEFTAdapter.load(into: decoder, from: adapter, requireAll: true)
        try write(base: checkpoint, decoder: decoder, to: output)
    }

    /// Checks `base` can take merged weights (a safetensors file or folder, not GGUF or quantized)
    /// and returns access to its stored tensors.
    @discardableResult
    static func checkBase(_ base: Checkpoint) throws -> (String) -> (SafetensorsFile, SafetensorsTensor)? {
        guard base.gguf == nil else {
            throw FormatError(file: base.path, "a merged checkpoint needs a Hugging Face safetensors base; a GGUF file has no config.json or tokenizer.json to carry over (export a LoRA adapter instead)")
        }
        return try rawTensors(base.weights)
    }

    /// Every weight training may have changed, by checkpoint name: the weights of LoRA-adapted
    /// linears and every fully fine-tuned parameter.
    static func trainedBuffers(_ decoder: TrainableDecoder) -> [String: FloatBuffer] {
        var out: [String: FloatBuffer] = [:]
        for p in decoder.parameters where !p.name.hasSuffix(".lora_A.weight") && !p.name.hasSuffix(".lora_B.weight") {
            out[p.name] = p.value
        }
        for m in decoder.loraModules {
            let suffix = m.module.split(separator: ".").suffix(2).joined(separator: ".") + ".weight"
            if let buffer = decoder.model.blocks[m.layer].named.first(where: { $0.suffix == suffix })?.buffer {
                out[m.module + ".weight"] = buffer
            }
        }
        return out
    }

    /// Access to a tensor's stored bytes in a safetensors file or folder.
    static func rawTensors(_ source: any WeightSource) throws -> (String) -> (SafetensorsFile, SafetensorsTensor)? {
        if let file = source as? SafetensorsFile {
            return { name in file.tensor(name).map { (file, $0) } }
        }
        if let folder = source as? SafetensorsFolder {
            return { name in folder.locate(name) }
        }
        throw FormatError(file: source.path, "merging needs plain safetensors weights (this base is \(type(of: source)): quantized or converted)")
    }

    /// Copies the base folder's files other than weights (config, tokenizer, preprocessor, templates).
    static func copyOtherFiles(from base: String, to folder: String) throws {
        let fm = FileManager.default
        let skipped = [".safetensors", ".safetensors.index.json", ".bin", ".bin.index.json", ".pt", ".pth", ".gguf", ".msgpack", ".h5"]
        for name in try fm.contentsOfDirectory(atPath: base).sorted() where !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            let source = base + "/" + name
            guard fm.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !skipped.contains(where: { name.hasSuffix($0) }), name != "adapter_config.json" else { continue }
            let bytes: Data
            do { bytes = try Data(contentsOf: URL(fileURLWithPath: source)) } catch {
                throw FormatError(file: source, "cannot read the file to copy it (\(error.localizedDescription))")
            }
            try AtomicFile.write([UInt8](bytes), to: folder + "/" + name)
        }
    }
}
