import ScalpelFormats
import ScalpelModels

/// The vision tower and projector of a LLaVA checkpoint as the separate `clip` GGUF ("mmproj") that
/// llama.cpp's multimodal loader (`tools/mtmd/clip.cpp`, key and tensor names in `clip-impl.h`) reads
/// beside the language model's GGUF.
///
/// Metadata: `general.architecture = clip`, `clip.has_vision_encoder`, `clip.has_llava_projector`,
/// `clip.projector_type = mlp`, `clip.use_gelu` (true for `gelu`, false for CLIP's `quick_gelu`),
/// `clip.vision.{image_size, patch_size, embedding_length, feed_forward_length, block_count,
/// projection_dim, attention.head_count, attention.layer_norm_epsilon, image_mean, image_std,
/// feature_layer}`. Tensors (GGUF dims are the PyTorch shape reversed; matrices F16, the rest F32):
///
///     v.class_embd                 embeddings.class_embedding
///     v.patch_embd.weight          embeddings.patch_embedding.weight   [h, 3, p, p] → dims [p, p, 3, h]
///     v.position_embd.weight       embeddings.position_embedding.weight
///     v.pre_ln.{weight,bias}       pre_layrnorm
///     v.blk.N.attn_{q,k,v}.*       encoder.layers.N.self_attn.{q,k,v}_proj
///     v.blk.N.attn_out.*           encoder.layers.N.self_attn.out_proj
///     v.blk.N.ln1.* / ln2.*        encoder.layers.N.layer_norm1 / layer_norm2
///     v.blk.N.ffn_up.*             encoder.layers.N.mlp.fc1
///     v.blk.N.ffn_down.*           encoder.layers.N.mlp.fc2
///     mm.0.{weight,bias}           multi_modal_projector.linear_1
///     mm.2.{weight,bias}           multi_modal_projector.linear_2
///
/// Feature layers: llama.cpp's LLaVA graph runs the tower up to the deepest index of
/// `clip.vision.feature_layer` (0 = the input of the first layer, after `pre_ln`), concatenating the
/// listed hidden states in ascending order, then drops the class token. transformers' `vision_feature_layer`
/// (negative counts from the end, -2 the usual) is converted to those indices, and only the layers up to the
/// deepest one are written; `post_layernorm`, which LLaVA never uses, is left out. A projector without
/// biases gets zero biases (llama.cpp adds them unconditionally).
public enum MMProjExport {
    /// The file name beside the language model's `model.gguf`.
    public static let fileName = "mmproj.gguf"

    /// Writes the mmproj GGUF of the LLaVA checkpoint `checkpoint` to `path`; returns the file size. The
    /// tower's attention/MLP matrices and the projector's matrices are F16 when `keep` keeps their part, and
    /// `quantizedType` (ggml's own rounding; Q4_0, Q4_1 or Q8_0, which clip.cpp runs) when it does not.
    /// - Throws: `QuantError` for a checkpoint that is not LLaVA, a feature selection llama.cpp cannot
    ///   express (the class token kept, unsorted layers), an activation it lacks; `FormatError` for missing
    ///   or misshapen tensors.
    @discardableResult
    public static func write(_ checkpoint: Checkpoint, to path: String, keep: KeepFP16 = .all,
                             quantizedType: GGUFTensorType = .q8_0) throws -> Int {
        guard let l = checkpoint.config.llava else {
            throw QuantError("\(checkpoint.path) is not a LLaVA checkpoint; there is no vision tower to export")
        }
        let v = l.vision, h = v.hiddenSize, f = v.intermediateSize, text = l.text.hiddenSize
        guard l.visionFeatureSelectStrategy == "default" else {
            throw QuantError("vision_feature_select_strategy '\(l.visionFeatureSelectStrategy)' keeps the class token; llama.cpp's LLaVA projector drops it")
        }
        let layers = try featureLayers(l.visionFeatureLayers, towerLayers: v.numHiddenLayers)
        let useGelu: Bool
        switch v.hiddenAct {
        case "gelu": useGelu = true
        case "quick_gelu": useGelu = false
        default: throw QuantError("vision tower activation '\(v.hiddenAct)' has no llama.cpp clip equivalent (gelu or quick_gelu)")
        }
        let source = checkpoint.weights
        let names = LlavaTensorNames.detect(in: source)
        let pre = try checkpoint.imagePreprocessor().config
        let depth = layers.max() ?? 0

        var w = GGUFWriter()
        w.set("general.architecture", .string("clip"))
        w.set("general.alignment", .uint32(32))
        let towerType: GGUFTensorType = keep.keeps(.vision) ? .f16 : quantizedType
        let projectorType: GGUFTensorType = keep.keeps(.projector) ? .f16 : quantizedType
        w.set("general.file_type", .uint32(towerType == .f16 && projectorType == .f16 ? 1 : 7))
        w.set("general.description", .string("vision tower and projector of a LLaVA checkpoint"))
        w.set("clip.has_text_encoder", .bool(false))
        w.set("clip.has_vision_encoder", .bool(true))
        w.set("clip.has_llava_projector", .bool(true))
        w.set("clip.projector_type", .string("mlp"))
        w.set("clip.use_gelu", .bool(useGelu))
        w.set("clip.vision.image_size", .uint32(UInt32(v.imageSize)))
        w.set("clip.vision.patch_size", .uint32(UInt32(v.patchSize)))
        w.set("clip.vision.embedding_length", .uint32(UInt32(h)))
        w.set("clip.vision.feed_forward_length", .uint32(UInt32(f)))
        w.set("clip.vision.projection_dim", .uint32(UInt32(text)))
        w.set("clip.vision.attention.head_count", .uint32(UInt32(v.numAttentionHeads)))
        w.set("clip.vision.attention.layer_norm_epsilon", .float32(Float(v.layerNormEps)))
        w.set("clip.vision.block_count", .uint32(UInt32(depth)))
        w.set("clip.vision.image_mean", .array(pre.imageMean.map { .float32(Float($0)) }))
        w.set("clip.vision.image_std", .array(pre.imageStd.map { .float32(Float($0)) }))
        w.set("clip.vision.feature_layer", .array(layers.map { .int32(Int32($0)) }))

        /// Adds `name` from the source tensor `from` of PyTorch shape `shape`.
        func add(_ name: String, from: String, shape: [Int], type: GGUFTensorType) throws {
            guard let info = source.info(from) else { throw FormatError(file: source.path, "no tensor named '\(from)' (needed for \(name))") }
            guard info.shape == shape else {
                throw FormatError(file: source.path, "'\(from)' has shape \(info.shape), but the vision config implies \(shape)")
            }
            try w.addTensor(name, dims: shape.reversed(), type: type) { try GGUFQuantizer.quantize(source.floats(from), as: type) }
        }
        let t = names.vision
        try add("v.class_embd", from: t.classEmbedding, shape: [h], type: .f32)
        try add("v.patch_embd.weight", from: t.patchEmbedding, shape: [h, v.numChannels, v.patchSize, v.patchSize], type: .f16)
        try add("v.position_embd.weight", from: t.positionEmbedding, shape: [v.numPatches + 1, h], type: .f32)
        try add("v.pre_ln.weight", from: t.preNorm("weight"), shape: [h], type: .f32)
        try add("v.pre_ln.bias", from: t.preNorm("bias"), shape: [h], type: .f32)
        let parts: [(gguf: String, hf: String, shape: [Int])] = [
            ("attn_q", "self_attn.q_proj", [h, h]), ("attn_k", "self_attn.k_proj", [h, h]),
            ("attn_v", "self_attn.v_proj", [h, h]), ("attn_out", "self_attn.out_proj", [h, h]),
            ("ln1", "layer_norm1", [h]), ("ln2", "layer_norm2", [h]),
            ("ffn_up", "mlp.fc1", [f, h]), ("ffn_down", "mlp.fc2", [h, f]),
        ]
        for i in 0..<depth {
            for p in parts {
                let matrix = p.shape.count == 2
                try add("v.blk.\(i).\(p.gguf).weight", from: t.layer(i, p.hf + ".weight"), shape: p.shape, type: matrix ? towerType : .f32)
                try add("v.blk.\(i).\(p.gguf).bias", from: t.layer(i, p.hf + ".bias"), shape: [p.shape[0]], type: .f32)
            }
        }
        let inFeatures = h * layers.count
        for (index, linear, shape) in [(0, 1, [text, inFeatures]), (2, 2, [text, text])] {
            try add("mm.\(index).weight", from: names.projector(linear, "weight"), shape: shape, type: projectorType)
            let bias = names.projector(linear, "bias")
            if source.contains(bias) {
                try add("mm.\(index).bias", from: bias, shape: [text], type: .f32)
            } else {
                try w.addTensor("mm.\(index).bias", dims: [text], type: .f32) {
                    try GGUFQuantizer.quantize([Float](repeating: 0, count: text), as: .f32)
                }
            }
        }
        try w.write(to: path)
        return w.fileSize
    }

    /// transformers' `vision_feature_layer` values (negative from the end of `hidden_states`, which has
    /// `towerLayers + 1` entries) as llama.cpp's non-negative indices, ascending.
    /// - Throws: `QuantError` for an index outside the tower, a repeat, or an order llama.cpp would change.
    static func featureLayers(_ layers: [Int], towerLayers n: Int) throws -> [Int] {
        let indices = try layers.map { layer -> Int in
            let i = layer < 0 ? n + 1 + layer : layer
            guard i >= 0 && i <= n else {
                throw QuantError("vision_feature_layer \(layer) is outside the \(n)-layer tower")
            }
            return i
        }
        guard !indices.isEmpty, indices == indices.sorted(), Set(indices).count == indices.count else {
            throw QuantError("vision_feature_layer \(layers) (layers \(indices)): llama.cpp concatenates feature layers in ascending order, each once")
        }
        return indices
    }
}
