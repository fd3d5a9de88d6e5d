import ScalpelFormats

/// Deploy memory of a model computed from its config alone: weights by part and precision (scales and
/// zero points included), the KV cache for a context, an activation workspace, and the file size.
///
/// Weight storage per quantized weight, with group size g:
/// - `.awqGemm`: 4-bit codes + fp16 scale + 4-bit packed zero per group → `b + (16 + 4)/g` bits (the
///   AWQ GEMM layout stores 4-bit zeros for any b ≤ 4; for b = 8, 8-bit zeros).
/// - `.fp16Zeros`: fp16 scale and fp16 zero per group → `b + 32/g`.
/// - `.symmetric`: fp16 scale only → `b + 16/g`.
/// - `.gguf`: the ggml block types: Q4_0 4.5, Q4_1 5, Q8_0 8.5 bits per weight.
/// Parts kept in 16-bit (by default embeddings, LM head, vision tower, projector) and every norm and bias
/// take 2 bytes per parameter.
///
/// KV cache: `layers × 2 × kvHeads·headDim × context × batch × 2` bytes (fp16). Activations: the prefill
/// workspace of one chunk of `min(context, 512)` tokens — the residual stream, normed input, q/k/v,
/// attention output, MLP gate/up/hidden in f32, one head's attention scores over the context — plus one
/// row of logits: `batch · (chunk · (4h + 2·kv + 3f) + chunk · context + vocab) · 4` bytes.
public struct MemoryEstimate: Sendable, Equatable {
    public enum ZeroFormat: String, Sendable, CaseIterable { case awqGemm = "awq-gemm", fp16Zeros = "fp16-zeros", symmetric, gguf }

    /// One line of the breakdown.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var params: Int
        /// Storage bits per parameter (including scales and zeros).
        public var bits: Double
        public var bytes: Int
    }

    public var parts: [Part]
    public var kvCacheBytes: Int
    public var activationsBytes: Int
    public var weightsBytes: Int { parts.reduce(0) { $0 + $1.bytes } }
    public var totalBytes: Int { weightsBytes + kvCacheBytes + activationsBytes }
    /// The predicted size of the exported weights file(s): the weights plus a small header.
    public var fileBytes: Int
    public var params: Int { parts.reduce(0) { $0 + $1.params } }

    /// What to quantize and how.
    public struct Options: Sendable, Equatable {
        /// Decoder blocks removed.
        public var drop: Set<Int>
        /// nil keeps every weight in fp16.
        public var scheme: QuantScheme?
        public var zeroFormat: ZeroFormat
        public var keepEmbeddings: Bool
        public var keepHead: Bool
        public var keepVision: Bool
        public var keepProjector: Bool
        public var context: Int
        public var batch: Int
        /// Bytes of file metadata beyond the tensor table (a GGUF's tokenizer vocabulary and merges).
        public var metadataBytes: Int

        public init(drop: Set<Int> = [], scheme: QuantScheme? = QuantScheme(bits: 4, groupSize: 128), zeroFormat: ZeroFormat = .awqGemm,
                    keepEmbeddings: Bool = true, keepHead: Bool = true, keepVision: Bool = true, keepProjector: Bool = true,
                    context: Int = 2048, batch: Int = 1, metadataBytes: Int = 0) {
            self.drop = drop
            self.scheme = scheme
            self.zeroFormat = zeroFormat
            self.keepEmbeddings = keepEmbeddings
            self.keepHead = keepHead
            self.keepVision = keepVision
            self.keepProjector = keepProjector
            self.context = context
            self.batch = batch
            self.metadataBytes = metadataBytes
        }
    }

    /// Bits per quantized weight for `scheme` in `format` with `inFeatures` inputs per row.
    public static func bitsPerWeight(_ scheme: QuantScheme, format: ZeroFormat, inFeatures: Int) -> Double {
        // With a group size that does not divide the row, the last group is shorter: ⌈k/g⌉ groups per row.
        let g = Double(inFeatures) / Double(max(1, scheme.groupCount(inFeatures: inFeatures))), b = Double(scheme.bits)
        switch format {
        case .awqGemm: return b + (16 + (scheme.bits <= 4 ? 4 : Double(scheme.bits))) / g
        case .fp16Zeros: return b + 32 / g
        case .symmetric: return b + 16 / g
        case .gguf: return scheme.bits == 8 ? 8.5 : (scheme.symmetric ? 4.5 : 5)
        }
    }

    /// Parameters of a CLIP vision tower as transformers' `CLIPVisionModel` holds them.
    public static func visionParams(_ v: ModelConfig.CLIPVision) -> Int {
        let h = v.hiddenSize, f = v.intermediateSize
        let embeddings = v.numChannels * v.patchSize * v.patchSize * h + h + (v.numPatches + 1) * h
        let layer = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 4 * h
        return embeddings + 2 * h + v.numHiddenLayers * layer + 2 * h
    }

    /// Estimates `config` under `options`. Throws when a dropped index is out of range or the group size
    /// does not divide a linear's inputs.
    public static func estimate(config: ModelConfig, options o: Options, partialGroups: Bool = false) throws -> MemoryEstimate {
        let t = config.text
        let h = t.hiddenSize, qd = t.numAttentionHeads * t.headDim, kvd = t.numKeyValueHeads * t.headDim, f = t.intermediateSize
        for i in o.drop where i < 0 || i >= t.numHiddenLayers {
            throw QuantError("--drop \(i) is not a block of this model (0…\(t.numHiddenLayers - 1))")
        }
        let layers = t.numHiddenLayers - o.drop.count
        var parts: [Part] = []
        func add(_ name: String, _ params: Int, bits: Double, bytes: Int? = nil) {
            guard params > 0 else { return }
            parts.append(Part(name: name, params: params, bits: bits, bytes: bytes ?? Int((Double(params) * bits / 8).rounded(.up))))
        }
        /// Bits of a quantized part with rows of `k` inputs (scales and zeros included; partial groups allowed).
        func partBits(_ keep: Bool, _ k: Int) -> Double {
            guard let s = o.scheme, !keep else { return 16 }
            return bitsPerWeight(s, format: o.zeroFormat, inFeatures: k)
        }
        add("embeddings", t.vocabSize * h, bits: partBits(o.keepEmbeddings, h))
        // Linears grouped by input width (q/k/v/gate/up read h, o reads qd, down reads f).
        let wide = layers * (qd * h + 2 * kvd * h + 2 * f * h), oParams = layers * h * qd, downParams = layers * h * f
        if let s = o.scheme {
            try s.validate(inFeatures: h, tensor: "q/k/v/gate/up", partialGroups: partialGroups)
            try s.validate(inFeatures: qd, tensor: "o_proj", partialGroups: partialGroups)
            try s.validate(inFeatures: f, tensor: "down_proj", partialGroups: partialGroups)
            let bh = bitsPerWeight(s, format: o.zeroFormat, inFeatures: h)
            let bq = bitsPerWeight(s, format: o.zeroFormat, inFeatures: qd)
            let bf = bitsPerWeight(s, format: o.zeroFormat, inFeatures: f)
            func bytes(_ params: Int, _ bits: Double) -> Int { Int((Double(params) * bits / 8).rounded(.up)) }
            let total = bytes(wide, bh) + bytes(oParams, bq) + bytes(downParams, bf)
            let params = wide + oParams + downParams
            add("decoder linears (W\(s.bits) \(s.groupSize.map { "g\($0)" } ?? "per-channel"))", params,
                bits: Double(total) * 8 / Double(params), bytes: total)
        } else {
            add("decoder linears", wide + oParams + downParams, bits: 16)
        }
        var small = layers * 2 * h + h
        if t.attentionBias { small += layers * (qd + 2 * kvd + h) }
        if t.mlpBias { small += layers * (2 * f + h) }
        add("norms and biases", small, bits: 16)
        if !t.tieWordEmbeddings {
            add("lm head", t.vocabSize * h, bits: partBits(o.keepHead, h))
        }
        if let l = config.llava {
            add("vision tower", visionParams(l.vision), bits: partBits(o.keepVision, l.vision.hiddenSize))
            let hv = l.vision.hiddenSize
            let proj = hv * h + h * h + (l.multimodalProjectorBias ? 2 * h : 0)
            add("projector", proj, bits: partBits(o.keepProjector, l.vision.hiddenSize))
        }
        let kv = layers * 2 * kvd * o.context * o.batch * 2
        let chunk = min(o.context, 512)
        let act = o.batch * (chunk * (4 * h + 2 * kvd + 3 * f) + chunk * o.context + t.vocabSize) * 4
        let weights = parts.reduce(0) { $0 + $1.bytes }
        let tensors = 16 * (layers * 9 + 4)
        return MemoryEstimate(parts: parts, kvCacheBytes: kv, activationsBytes: act, fileBytes: weights + tensors * 100 + o.metadataBytes)
    }
}
