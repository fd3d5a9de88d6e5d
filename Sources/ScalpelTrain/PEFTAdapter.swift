import Foundation
import ScalpelFormats
import ScalpelModels

/// A LoRA adapter folder as PEFT's `save_pretrained` writes it: `adapter_config.json` and
/// `adapter_model.safetensors` with `base_model.model.<module>.lora_A.weight` `[r, in]` and
/// `base_model.model.<module>.lora_B.weight` `[out, r]` (PEFT drops the adapter name "default").
///
/// For a LLaVA checkpoint the module names are those transformers ≥ 4.52 gives the model in memory
/// (`model.language_model.layers.N.…`, whatever layout the files use), and `target_modules` becomes a
/// regex restricted to the language model, since the CLIP tower has `q_proj`/`k_proj`/`v_proj` too.
public enum PEFTAdapter {
    /// The safetensors name of an adapter matrix for `module` (`model.layers.0.self_attn.q_proj`).
    public static func tensorName(module: String, matrix: String) -> String {
        "base_model.model.\(module).\(matrix).weight"
    }

    /// The module name PEFT uses for `module` of a decoder whose checkpoint layout is `names`.
    public static func peftModule(_ module: String, names: LlamaTensorNames) -> String {
        guard names != .llama, module.hasPrefix(names.body) else { return module }
        return LlamaTensorNames.llavaInMemory.body + module.dropFirst(names.body.count)
    }

    /// `adapter_config.json` for `config`; `languageModelOnly` (LLaVA) writes suffix targets as a
    /// regex over the language model's layers.
    public static func configJSON(_ config: LoRAConfig, baseModel: String?, languageModelOnly: Bool = false) -> String {
        let targets: String
        switch config.targets {
        case .suffixes(let list) where languageModelOnly:
            let alternatives = list.map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")
            targets = JSONValue.quoted(#"model\.language_model\.layers\.\d+\..*\.(?:"# + alternatives + ")")
        case .suffixes(let list): targets = "[" + list.map(JSONValue.quoted).joined(separator: ", ") + "]"
        case .regex(let pattern): targets = JSONValue.quoted(pattern)
        }
        let fields: [(String, String)] = [
            ("alpha_pattern", "{}"),
            ("auto_mapping", "null"),
            ("base_model_name_or_path", baseModel.map(JSONValue.quoted) ?? "null"),
            ("bias", "\"none\""),
            ("fan_in_fan_out", "false"),
            ("inference_mode", "true"),
            ("init_lora_weights", "true"),
            ("layers_pattern", "null"),
            ("layers_to_transform", "null"),
            ("lora_alpha", jsonNumber(config.alpha)),
            ("lora_dropout", jsonNumber(config.dropout)),
            ("modules_to_save", "null"),
            ("peft_type", "\"LORA\""),
            ("r", String(config.rank)),
            ("rank_pattern", "{}"),
            ("revision", "null"),
            ("target_modules", targets),
            ("task_type", "\"CAUSAL_LM\""),
            ("use_dora", "false"),
            ("use_rslora", config.useRSLoRA ? "true" : "false"),
        ]
        return "{\n" + fields.map { "  \(JSONValue.quoted($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes the adapter folder at `directory` (created if needed), each file atomically.
    /// `baseModel` becomes `base_model_name_or_path` (null when nil, as PEFT writes for an in-memory base).
    public static func write(_ decoder: TrainableDecoder, to directory: String, baseModel: String? = nil) throws {
        guard let config = decoder.lora else { throw ModelError("the decoder has no LoRA adapters to export") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for m in decoder.loraModules {
            let a = m.adapter, module = peftModule(m.module, names: decoder.names)
            try writer.add(tensorName(module: module, matrix: "lora_A"), floats: a.a.array, shape: [a.rank, a.inFeatures])
            try writer.add(tensorName(module: module, matrix: "lora_B"), floats: a.b.array, shape: [a.outFeatures, a.rank])
        }
        try writer.write(to: directory + "/adapter_model.safetensors")
        try AtomicFile.write(configJSON(config, baseModel: baseModel, languageModelOnly: decoder.names != .llama),
                             to: directory + "/adapter_config.json")
    }

    /// Loads A and B of every adapter of `decoder` from a PEFT `adapter_model.safetensors`. With
    /// `requireAll`, a tensor of the file that no adapter of `decoder` takes is an error too (an
    /// adapter on a module the decoder does not have would otherwise be dropped silently).
    public static func load(into decoder: TrainableDecoder, from directory: String, requireAll: Bool = false) throws {
        let file = try SafetensorsFile(path: directory + "/adapter_model.safetensors")
        if requireAll {
            let taken = Set(decoder.loraModules.flatMap { m in
                ["lora_A", "lora_B"].map { tensorName(module: peftModule(m.module, names: decoder.names), matrix: $0) }
            })
            let extra = file.tensorNames.filter { !taken.contains($0) }.sorted()
            if !extra.isEmpty {
                throw FormatError(file: file.path, "\(extra.count) tensor(s) fit no LoRA module of the decoder, e.g. '\(extra[0])'")
            }
        }
        for m in decoder.loraModules {
            let a = m.adapter
            for (matrix, buffer, shape) in [("lora_A", a.a, [a.rank, a.inFeatures]), ("lora_B", a.b, [a.outFeatures, a.rank])] {
                let name = tensorName(module: peftModule(m.module, names: decoder.names), matrix: matrix)
                guard let info = file.info(name) else { throw FormatError(file: file.path, "no tensor named '\(name)'") }
                guard info.shape == shape else { throw FormatError(file: file.path, "tensor '\(name)' has shape \(info.shape), expected \(shape)") }
                let values = try file.floats(name)
                values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: values.count) }
            }
        }
    }

    /// The LoRA settings of a PEFT adapter folder: `r`, `lora_alpha`, `lora_dropout`, `use_rslora`
    /// from `adapter_config.json`; target modules as listed there, or, when they are a regular
    /// expression, the module suffixes (`q_proj`, …) the adapter's tensors carry (PEFT regexes name
    /// the in-memory module paths, which differ from a LLaVA checkpoint's layout).
    /// - Throws: `FormatError` for a missing or malformed config, or PEFT features a plain LoRA
    ///   merge cannot reproduce (DoRA, per-module ranks or alphas, fan-in-fan-out, other PEFT types).
    public static func readConfig(directory: String) throws -> LoRAConfig {
        let path = directory + "/adapter_config.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw FormatError(file: directory, "no adapter_config.json (expected a PEFT adapter folder)")
        }
        let json = try JSONValue.read(contentsOf: URL(fileURLWithPath: path))
        guard json.object != nil else { throw FormatError(file: path, "not a JSON object") }
        if let type = json["peft_type"]?.string, type != "LORA" {
            throw FormatError(file: path, "peft_type is \(type), not LORA")
        }
        guard let rank = json["r"]?.int, rank > 0 else { throw FormatError(file: path, "r must be a positive integer") }
        guard let alpha = json["lora_alpha"]?.double, alpha > 0 else { throw FormatError(file: path, "lora_alpha must be a positive number") }
        if json["use_dora"]?.bool == true { throw FormatError(file: path, "DoRA adapters (use_dora) are not supported") }
        if json["fan_in_fan_out"]?.bool == true { throw FormatError(file: path, "fan_in_fan_out adapters are not supported") }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let pattern = json[key]?.object, !pattern.isEmpty {
                throw FormatError(file: path, "\(key) (per-module ranks or alphas) is not supported")
            }
        }
        let targets: LoRATargets
        if let list = json["target_modules"]?.array {
            targets = .suffixes(try list.map {
                guard let name = $0.string else { throw FormatError(file: path, "target_modules must hold strings") }
                return name
            })
        } else if json["target_modules"]?.string != nil {
            let file = try SafetensorsFile(path: directory + "/adapter_model.safetensors")
            let suffixes = Set(file.tensorNames.compactMap { name -> String? in
                let parts = name.split(separator: ".")
                guard parts.count >= 3, parts[parts.count - 2].hasPrefix("lora_") else { return nil }
                return String(parts[parts.count - 3])
            })
            guard !suffixes.isEmpty else { throw FormatError(file: file.path, "no lora_A/lora_B tensors") }
            targets = .suffixes(suffixes.sorted())
        } else {
            throw FormatError(file: path, "target_modules is missing")
        }
        return LoRAConfig(rank: rank, alpha: alpha, dropout: json["lora_dropout"]?.double ?? 0,
                          useRSLoRA: json["use_rslora"]?.bool ?? false, targets: targets)
    }

    static func jsonNumber(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
