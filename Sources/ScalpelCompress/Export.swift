import Foundation
import ScalpelFormats
import ScalpelModels

/// Where a quantized decoder can be written.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// AutoAWQ GEMM safetensors (4-bit codes packed 8 per int32, fp16 scales, 4-bit zeros).
    case awq
    /// llama.cpp GGUF v3 (Q4_0, Q4_1 or Q8_0 linears).
    case gguf
    /// Hugging Face safetensors holding the dequantized (fake-quantized) weights.
    case hf
}

/// Writes a `QuantizedDecoder` as an AWQ GEMM folder, a GGUF file or a dequantized Hugging Face folder.
///
/// Tensors of the source that are not decoder blocks (embeddings, final norm, head, and for LLaVA the
/// vision tower and projector) are copied, stored as F16 — except the parts left out of the decoder's
/// `keepFP16`, whose matrices are rounded with the blocks' scheme (RTN; in GGUF, the scheme's ggml type). Every writer streams: one tensor is converted
/// at a time while the file is written.
public enum QuantExport {
    /// Files beside `config.json` that are copied from a source folder when present.
    static let sideFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
                            "preprocessor_config.json", "chat_template.json", "tokenizer.model"]

    /// What a tensor name of the source is, for the decoder's blocks.
    enum Part {
        case linear(block: Int, module: String)
        case norm(block: Int, post: Bool)
        case bias(block: Int, suffix: String)
        case other
    }

    static func parts(_ d: QuantizedDecoder) throws -> [String: Part] {
        var map: [String: Part] = [:]
        for i in 0..<d.blockCount {
            for m in QuantizedBlock.linearNames { map[d.names.layer(i, m + ".weight")] = .linear(block: i, module: m) }
            map[d.names.layer(i, "input_layernorm.weight")] = .norm(block: i, post: false)
            map[d.names.layer(i, "post_attention_layernorm.weight")] = .norm(block: i, post: true)
            for suffix in try d.block(i, linears: []).biases.keys { map[d.names.layer(i, suffix)] = .bias(block: i, suffix: suffix) }
        }
        return map
    }

    /// The values of one output tensor; a block's linear is read back (from the spill file) only here, when
    /// the writer asks for it.
    static func values(_ d: QuantizedDecoder, _ part: Part, name: String) throws -> [Float] {
        switch part {
        case .linear(let b, let m): return try d.linear(b, m).dequantized()
        case .norm(let b, let post):
            let block = try d.block(b, linears: [])
            return post ? block.postNorm : block.inputNorm
        case .bias(let b, let s): return try d.block(b, linears: []).biases[s]!
        case .other: return try d.otherValues(name)
        }
    }

    /// The names the output holds: the source's, with blocks beyond the decoder's dropped.
    static func sourceNames(_ d: QuantizedDecoder, _ parts: [String: Part]) -> [String] {
        let prefix = d.names.body + "layers."
        return d.source.tensorNames.filter { parts[$0] != nil || !$0.hasPrefix(prefix) }
    }

    // MARK: Hugging Face (dequantized)

    /// Writes `model.safetensors` (dequantized weights as `dtype`), `config.json` and the tokenizer files
    /// of `sourceFolder` into `dir`. Returns the paths written.
    @discardableResult
    public static func writeHF(_ d: QuantizedDecoder, to dir: String, dtype: SafetensorsDType = .f16,
                               sourceFolder: String? = nil) throws -> [String] {
        try d.validateKeepFP16()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let map = try parts(d)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for name in sourceNames(d, map) {
            let part = map[name] ?? .other
            let shape = d.source.info(name)!.shape
            let keep: SafetensorsDType = (dtype == .f32) ? .f32 : .f16
            try writer.add(name, dtype: keep, shape: shape) { try SafetensorsWriter.encode(values(d, part, name: name), as: keep, name: name) }
        }
        let weights = dir + "/model.safetensors"
        try writer.write(to: weights)
        var config = try configObject(d, sourceFolder: sourceFolder)
        config["torch_dtype"] = dtype == .f32 ? "float32" : "float16"
        let configPath = try writeConfig(config, dir: dir)
        return [weights, configPath] + copySideFiles(from: sourceFolder, to: dir)
    }

    // MARK: AWQ GEMM

    /// Writes an AutoAWQ GEMM folder: every decoder linear as `qweight`/`qzeros`/`scales` (layout in
    /// `AWQPacking`), everything else F16, and `config.json` with `quantization_config`.
    /// - Throws: `QuantError` unless the scheme is 4-bit and every linear has a multiple of 8 outputs.
    @discardableResult
    public static func writeAWQ(_ d: QuantizedDecoder, to dir: String, sourceFolder: String? = nil) throws -> [String] {
        let scheme = d.settings.scheme
        guard scheme.bits == 4 else {
            throw QuantError("--format awq holds 4-bit codes only (AutoAWQ GEMM); got --bits \(scheme.bits): use --format gguf or hf")
        }
        if let part = KeepFP16.Part.allCases.first(where: { !d.keepFP16.keeps($0) && d.hasPart($0) }) {
            throw QuantError("--format awq keeps \(part.rawValue) in fp16 (AutoAWQ's GEMM layout quantizes only the decoder's linears): add it to --keep-fp16, or use --format gguf or hf")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let map = try parts(d)
        var writer = SafetensorsWriter()
        for name in sourceNames(d, map) {
            let part = map[name] ?? .other
            if case .linear(let b, let m) = part {
                let (n, k) = d.linearShape(m)
                guard n % 8 == 0 else { throw QuantError("\(name) has \(n) outputs; AWQ GEMM packs 8 outputs per word") }
                let groupSize = scheme.groupWidth(inFeatures: k), groups = scheme.groupCount(inFeatures: k)
                guard k % groupSize == 0 else {
                    throw QuantError("\(name) has \(k) inputs, not a multiple of the group size \(groupSize); AWQ GEMM needs whole groups (choose --group 32 or 64, or --format hf)")
                }
                // Each part is formed from the linear read back when the writer reaches it (the writer orders
                // the int32 tensors before the f16 ones), so one linear at a time is held.
                let prefix = String(name.dropLast(".weight".count))
                try writer.add(prefix + ".qweight", dtype: .i32, shape: [k, n / 8]) { try int32Bytes(awqQWeight(d.linear(b, m))) }
                try writer.add(prefix + ".qzeros", dtype: .i32, shape: [groups, n / 8]) { try int32Bytes(awqGroupTensors(d.linear(b, m)).qzeros) }
                try writer.add(prefix + ".scales", dtype: .f16, shape: [groups, n]) {
                    try SafetensorsWriter.encode(awqGroupTensors(d.linear(b, m)).scales, as: .f16, name: prefix + ".scales")
                }
                continue
            }
            let shape = d.source.info(name)!.shape
            try writer.add(name, dtype: .f16, shape: shape) { try SafetensorsWriter.encode(values(d, part, name: name), as: .f16, name: name) }
        }
        let weights = dir + "/model.safetensors"
        try writer.write(to: weights)
        var config = try configObject(d, sourceFolder: sourceFolder)
        config["torch_dtype"] = "float16"
        var skip: [String] = []
        if config["model_type"] as? String == "llava" { skip = ["vision_tower", "multi_modal_projector"] }
        config["quantization_config"] = [
            "quant_method": "awq", "bits": 4, "group_size": scheme.groupSize ?? -1, "zero_point": true,
            "version": "gemm", "modules_to_not_convert": skip.isEmpty ? NSNull() : skip as Any,
        ] as [String: Any]
        let configPath = try writeConfig(config, dir: dir)
        return [weights, configPath] + copySideFiles(from: sourceFolder, to: dir)
    }

    /// The AWQ GEMM triple of a 4-bit linear: `qweight [K, N/8]`, `qzeros [K/g, N/8]`, `scales [K/g, N]`.
    public static func awqTriple(_ lin: QuantizedLinear) -> (qweight: [Int32], qzeros: [Int32], scales: [Float]) {
        let (qzeros, scales) = awqGroupTensors(lin)
        return (awqQWeight(lin), qzeros, scales)
    }

    /// `qweight [K, N/8]` of a 4-bit linear: the codes transposed and packed.
    static func awqQWeight(_ lin: QuantizedLinear) -> [Int32] {
        let k = lin.cols, n = lin.rows
        var codesT = [UInt8](repeating: 0, count: k * n)
        for r in 0..<n { for c in 0..<k { codesT[c * n + r] = lin.codes[r * k + c] } }
        return AWQPacking.pack(codesT, rows: k, columns: n)
    }

    /// `qzeros [K/g, N/8]` and `scales [K/g, N]` of a 4-bit linear.
    static func awqGroupTensors(_ lin: QuantizedLinear) -> (qzeros: [Int32], scales: [Float]) {
        let n = lin.rows, groups = lin.groups
        var zerosT = [UInt8](repeating: 0, count: groups * n)
        var scalesT = [Float](repeating: 0, count: groups * n)
        for r in 0..<n {
            for j in 0..<groups {
                zerosT[j * n + r] = lin.zeros[r * groups + j]
                scalesT[j * n + r] = lin.scales[r * groups + j]
            }
        }
        return (AWQPacking.pack(zerosT, rows: groups, columns: n), scalesT)
    }

    static func int32Bytes(_ values: [Int32]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    // MARK: GGUF

    /// The GGUF type a scheme is stored as: 8 bits → Q8_0, 4 bits symmetric → Q4_0, asymmetric → Q4_1;
    /// every one in groups of 32.
    public static func ggufType(for scheme: QuantScheme) throws -> GGUFTensorType {
        switch (scheme.bits, scheme.symmetric) {
        case (8, _): return .q8_0
        case (4, true): return .q4_0
        case (4, false): return .q4_1
        default: throw QuantError("--format gguf holds 4-bit (Q4_0/Q4_1) or 8-bit (Q8_0) weights; --bits \(scheme.bits) has no GGUF type here (use --format hf)")
        }
    }

    /// Writes a llama.cpp GGUF of the decoder: metadata `general.architecture = llama`, the `llama.*`
    /// hyperparameters, `llama.vocab_size`, and every `tokenizer.*` key of `sourceGGUF` when given; linears
    /// in the scheme's GGUF type (rounded as ggml's reference quantizers do, from the method's weights; for
    /// RTN the source weights, so RTN here is llama.cpp's own rounding), `attn_q`/`attn_k` rows permuted the
    /// llama.cpp way, norms F32, embeddings and head F16. Returns the file size.
    @discardableResult
    public static func writeGGUF(_ d: QuantizedDecoder, to path: String, sourceGGUF: GGUFFile? = nil) throws -> Int {
        let c = d.config
        let type = try ggufType(for: d.settings.scheme)
        var w = GGUFWriter()
        w.setLlamaHyperparameters(c, blockCount: d.blockCount)
        if let name = sourceGGUF?.metadata["general.name"] { w.set("general.name", name) }
        w.set("general.alignment", .uint32(32))
        let fileType: UInt32 = type == .q8_0 ? 7 : (type == .q4_0 ? 2 : 3)
        w.set("general.file_type", .uint32(fileType))
        w.set("general.quantization_version", .uint32(2))
        if let src = sourceGGUF {
            for key in src.metadataKeys where key.hasPrefix("tokenizer.") { w.set(key, src.metadata[key]!) }
        }

        let h = c.hiddenSize
        try d.validateKeepFP16()
        let embedType: GGUFTensorType = d.keepFP16.keeps(.embeddings) ? .f16 : type
        try w.addTensor("token_embd.weight", dims: [h, c.vocabSize], type: embedType) {
            try GGUFQuantizer.quantize(d.source.floats(d.names.embedTokens), as: embedType)
        }
        let rtnFromSource = d.settings.method == .rtn
        for i in 0..<d.blockCount {
            let block = try d.block(i, linears: [])
            try w.addTensor("blk.\(i).attn_norm.weight", dims: [h], type: .f32) { try GGUFQuantizer.quantize(block.inputNorm, as: .f32) }
            for m in QuantizedBlock.linearNames {
                let (rows, cols) = d.linearShape(m)
                let gguf = GGUFNameMap.ggufName(forHuggingFace: "model.layers.\(i).\(m).weight")!
                let heads: Int? = m == "self_attn.q_proj" ? c.numAttentionHeads : (m == "self_attn.k_proj" ? c.numKeyValueHeads : nil)
                try w.addTensor(gguf, dims: [cols, rows], type: type) {
                    var values = rtnFromSource ? try d.source.floats(d.names.layer(i, m + ".weight")) : try d.linear(i, m).dequantized()
                    if let heads {
                        guard let p = GGUFNameMap.permuteRows(values, rows: rows, cols: cols, heads: heads) else {
                            throw QuantError("\(gguf): \(rows) rows do not split into \(heads) head pairs")
                        }
                        values = p
                    }
                    return try GGUFQuantizer.quantize(values, as: type)
                }
                if m == "self_attn.o_proj" {
                    try w.addTensor("blk.\(i).ffn_norm.weight", dims: [h], type: .f32) { try GGUFQuantizer.quantize(block.postNorm, as: .f32) }
                }
            }
        }
        try w.addTensor("output_norm.weight", dims: [h], type: .f32) { try GGUFQuantizer.quantize(d.source.floats(d.names.finalNorm), as: .f32) }
        if d.source.contains(d.names.head) {
            let headType: GGUFTensorType = d.keepFP16.keeps(.head) ? .f16 : type
            try w.addTensor("output.weight", dims: [h, c.vocabSize], type: headType) {
                try GGUFQuantizer.quantize(d.source.floats(d.names.head), as: headType)
            }
        }
        try w.write(to: path)
        return w.fileSize
    }

    // MARK: config.json

    /// The source folder's `config.json` as a dictionary, or one written from the decoder's config, with the
    /// layer count set to the decoder's.
    static func configObject(_ d: QuantizedDecoder, sourceFolder: String?) throws -> [String: Any] {
        if let folder = sourceFolder, FileManager.default.fileExists(atPath: folder + "/config.json") {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/config.json"))
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw FormatError(file: folder + "/config.json", "is not a JSON object")
            }
            if var text = object["text_config"] as? [String: Any] {
                text["num_hidden_layers"] = d.blockCount
                object["text_config"] = text
            } else {
                object["num_hidden_layers"] = d.blockCount
            }
            return object
        }
        let c = d.config
        var object: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c.vocabSize,
            "hidden_size": c.hiddenSize, "intermediate_size": c.intermediateSize, "num_hidden_layers": d.blockCount,
            "num_attention_heads": c.numAttentionHeads, "num_key_value_heads": c.numKeyValueHeads, "head_dim": c.headDim,
            "rms_norm_eps": c.rmsNormEps, "rope_theta": c.ropeTheta, "max_position_embeddings": c.maxPositionEmbeddings,
            "tie_word_embeddings": c.tieWordEmbeddings, "hidden_act": c.hiddenAct, "attention_bias": c.attentionBias,
            "mlp_bias": c.mlpBias,
        ]
        if let b = c.bosTokenId { object["bos_token_id"] = b }
        if let e = c.eosTokenIds.first { object["eos_token_id"] = c.eosTokenIds.count == 1 ? e as Any : c.eosTokenIds as Any }
        if let p = c.padTokenId { object["pad_token_id"] = p }
        if let s = c.ropeScaling {
            var r: [String: Any] = ["rope_type": s.type]
            if let f = s.factor { r["factor"] = f }
            if let o = s.originalMaxPositionEmbeddings { r["original_max_position_embeddings"] = o }
            object["rope_scaling"] = r
        }
        return object
    }

    static func writeConfig(_ object: [String: Any], dir: String) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let path = dir + "/config.json"
        try AtomicFile.write([UInt8](data) + [0x0A], to: path)
        return path
    }

    static func copySideFiles(from folder: String?, to dir: String) -> [String] {
        guard let folder else { return [] }
        var copied: [String] = []
        for name in sideFiles where FileManager.default.fileExists(atPath: folder + "/" + name) {
            let target = dir + "/" + name
            try? FileManager.default.removeItem(atPath: target)
            if (try? FileManager.default.copyItem(atPath: folder + "/" + name, toPath: target)) != nil { copied.append(target) }
        }
        return copied
    }
}
