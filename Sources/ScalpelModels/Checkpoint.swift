import Foundation
import ScalpelFormats

/// A model on disk as a user names it: a Hugging Face folder (`config.json` + safetensors, maybe
/// sharded, maybe `tokenizer.json`) or a single GGUF file. Opening reads headers only; weights are
/// converted to f32 when a model is built from it.
public struct Checkpoint: Sendable {
    /// The path the user gave.
    public let path: String
    public let config: ModelConfig
    public let weights: any WeightSource
    /// The GGUF file, when the checkpoint is one (its metadata carries the tokenizer).
    public let gguf: GGUFFile?

    /// Opens `path`: a `.gguf` file, or a folder with `config.json` and safetensors weights.
    public static func open(_ path: String) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FormatError(file: path, "no such file or folder")
        }
        if isDirectory.boolValue {
            let configURL = URL(fileURLWithPath: path).appendingPathComponent("config.json")
            guard FileManager.default.fileExists(atPath: configURL.path) else {
                throw FormatError(file: path, "the folder has no config.json (expected a Hugging Face model folder)")
            }
            let config = try ModelConfig(contentsOf: configURL)
            return Checkpoint(path: path, config: config, weights: try WeightSources.open(path), gguf: nil)
        }
        let source = try WeightSources.open(path)
        guard let gguf = (source as? GGUFWeightSource)?.file else {
            throw FormatError(file: path, "a lone safetensors file has no config; point at the folder holding config.json")
        }
        return Checkpoint(path: path, config: try ModelConfig(gguf: gguf), weights: source, gguf: gguf)
    }

    /// The tokenizer: `tokenizer.json` in the folder, or the GGUF metadata.
    /// - Throws: `FormatError` when the checkpoint carries none.
    public func tokenizer() throws -> Tokenizer {
        if let gguf { return try Tokenizer(gguf: gguf) }
        let folder = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path) else {
            throw FormatError(file: path, "no tokenizer.json in the model folder (needed to turn text into tokens)")
        }
        return try Tokenizer(directory: folder)
    }

    /// The chat format: `name` when given, else what the tokenizer's template or the model type says.
    public func chatFormat(named name: String? = nil, tokenizer: Tokenizer?) throws -> ChatFormat {
        try ChatFormat.resolve(name: name, template: tokenizer?.chatTemplate, modelType: config.modelType, file: path)
    }

    /// Bytes on disk: the file, or the sum of the folder's weight files.
    public var fileBytes: Int {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        _ = fm.fileExists(atPath: path, isDirectory: &isDirectory)
        guard isDirectory.boolValue else {
            return (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        }
        let files = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        return files.filter { $0.hasSuffix(".safetensors") }.reduce(0) { total, name in
            total + ((try? fm.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    /// Builds the whole LLaVA model (vision tower, projector, decoder); nil for a plain decoder.
    public func loadLlava() throws -> LlavaModel? {
        guard let llava = config.llava else { return nil }
        return try LlavaModel(source: weights, config: llava)
    }

    /// The image preprocessing of the checkpoint: its `preprocessor_config.json`, or LLaVA-1.5's
    /// (336 px, CLIP mean/std, pad to square) when the folder has none.
    public func imagePreprocessor() throws -> CLIPPreprocessor {
        let file = URL(fileURLWithPath: path).appendingPathComponent("preprocessor_config.json").path
        if gguf == nil, FileManager.default.fileExists(atPath: file) {
            return try CLIPPreprocessor(configFileAt: file)
        }
        return CLIPPreprocessor(config: .llava15(padToSquare: true))
    }

    /// Builds the f32 decoder (the language model of a LLaVA checkpoint).
    public func loadDecoder() throws -> LlamaModel {
        try LlamaModel(source: weights, config: config.text)
    }
}
