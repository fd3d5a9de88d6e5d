extension ModelConfig {
    /// A CLIP vision tower (`vision_config`, `model_type: "clip_vision_model"`).
    public struct CLIPVision: Sendable, Equatable {
        public var hiddenSize: Int
        public var intermediateSize: Int
        public var numHiddenLayers: Int
        public var numAttentionHeads: Int
        /// Input images are `imageSize × imageSize`.
        public var imageSize: Int
        public var patchSize: Int
        public var numChannels: Int
        public var layerNormEps: Double
        /// "quick_gelu" for OpenAI CLIP.
        public var hiddenAct: String
        public var projectionDim: Int

        public init(hiddenSize: Int = 768, intermediateSize: Int = 3072, numHiddenLayers: Int = 12, numAttentionHeads: Int = 12,
                    imageSize: Int = 224, patchSize: Int = 32, numChannels: Int = 3, layerNormEps: Double = 1e-5,
                    hiddenAct: String = "quick_gelu", projectionDim: Int = 512) {
            self.hiddenSize = hiddenSize
            self.intermediateSize = intermediateSize
            self.numHiddenLayers = numHiddenLayers
            self.numAttentionHeads = numAttentionHeads
            self.imageSize = imageSize
            self.patchSize = patchSize
            self.numChannels = numChannels
            self.layerNormEps = layerNormEps
            self.hiddenAct = hiddenAct
            self.projectionDim = projectionDim
        }

        /// Patches per image side.
        public var patchesPerSide: Int { imageSize / patchSize }
        /// Patch positions (the class token not counted).
        public var numPatches: Int { patchesPerSide * patchesPerSide }
        public var headDim: Int { hiddenSize / numAttentionHeads }
    }

    /// A LLaVA model: CLIP tower → two-layer projector → LLaMA decoder.
    public struct Llava: Sendable, Equatable {
        public var text: Llama
        public var vision: CLIPVision
        /// The id of `<image>` in the text, replaced by the projected image features.
        public var imageTokenIndex: Int
        /// The projector's activation ("gelu").
        public var projectorHiddenAct: String
        /// Which vision layers feed the projector (usually one: -2, the penultimate).
        public var visionFeatureLayers: [Int]
        /// "default" drops the class token; "full" keeps it.
        public var visionFeatureSelectStrategy: String
        /// Image features per image (576 for LLaVA-1.5 at 336 px).
        public var imageSeqLength: Int
        public var multimodalProjectorBias: Bool

        public init(text: Llama, vision: CLIPVision, imageTokenIndex: Int = 32000, projectorHiddenAct: String = "gelu",
                    visionFeatureLayers: [Int] = [-2], visionFeatureSelectStrategy: String = "default",
                    imageSeqLength: Int = 576, multimodalProjectorBias: Bool = true) {
            self.text = text
            self.vision = vision
            self.imageTokenIndex = imageTokenIndex
            self.projectorHiddenAct = projectorHiddenAct
            self.visionFeatureLayers = visionFeatureLayers
            self.visionFeatureSelectStrategy = visionFeatureSelectStrategy
            self.imageSeqLength = imageSeqLength
            self.multimodalProjectorBias = multimodalProjectorBias
        }

        /// The single feature layer, when there is exactly one.
        public var visionFeatureLayer: Int? {
            visionFeatureLayers.count == 1 ? visionFeatureLayers[0] : nil
        }
    }
}

extension ModelConfig.CLIPVision {
    /// Reads a `vision_config` object; missing keys take transformers' `CLIPVisionConfig` defaults
    /// (published LLaVA-1.5 configs leave out `hidden_act` and `layer_norm_eps`).
    init(fields f: JSONFields) throws {
        if let type = try f.optionalString("model_type"), type != "clip_vision_model" {
            throw f.error("model_type", "unsupported vision tower \(type.debugDescription) (supported: clip_vision_model)")
        }
        self.init(
            hiddenSize: try f.optionalInt("hidden_size") ?? 768,
            intermediateSize: try f.optionalInt("intermediate_size") ?? 3072,
            numHiddenLayers: try f.optionalInt("num_hidden_layers") ?? 12,
            numAttentionHeads: try f.optionalInt("num_attention_heads") ?? 12,
            imageSize: try f.optionalInt("image_size") ?? 224,
            patchSize: try f.optionalInt("patch_size") ?? 32,
            numChannels: try f.optionalInt("num_channels") ?? 3,
            layerNormEps: try f.optionalDouble("layer_norm_eps") ?? 1e-5,
            hiddenAct: try f.optionalString("hidden_act") ?? "quick_gelu",
            projectionDim: try f.optionalInt("projection_dim") ?? 512)
        func positive(_ v: Int, _ key: String) throws {
            guard v > 0 else { throw f.error(key, "must be positive, found \(v)") }
        }
        try positive(hiddenSize, "hidden_size")
        try positive(intermediateSize, "intermediate_size")
        try positive(numHiddenLayers, "num_hidden_layers")
        try positive(numAttentionHeads, "num_attention_heads")
        try positive(imageSize, "image_size")
        try positive(patchSize, "patch_size")
        try positive(numChannels, "num_channels")
        if hiddenSize % numAttentionHeads != 0 {
            throw f.error("num_attention_heads", "\(numAttentionHeads) heads do not divide hidden_size \(hiddenSize)")
        }
        if imageSize % patchSize != 0 {
            throw f.error("patch_size", "\(patchSize) does not divide image_size \(imageSize)")
        }
        guard layerNormEps > 0 else { throw f.error("layer_norm_eps", "must be positive, found \(layerNormEps)") }
    }
}

extension ModelConfig.Llava {
    /// Reads a LLaVA `config.json` object.
    init(fields f: JSONFields) throws {
        let topDtype = try f.optionalString("dtype") ?? f.optionalString("torch_dtype")
        var text = try ModelConfig.Llama(fields: try f.object("text_config"), requireShape: false, inheritedDtype: topDtype)
        // LlavaConfig: tied when either level says so.
        if try f.optionalBool("tie_word_embeddings") == true { text.tieWordEmbeddings = true }
        let vision = try ModelConfig.CLIPVision(fields: try f.object("vision_config"))

        let layers: [Int]
        if let list = try f.optionalIntList("vision_feature_layer") {
            guard !list.isEmpty else { throw f.error("vision_feature_layer", "must name at least one layer") }
            layers = list
        } else {
            layers = [-2]
        }
        for layer in layers where layer >= vision.numHiddenLayers || layer < -vision.numHiddenLayers - 1 {
            throw f.error("vision_feature_layer", "layer \(layer) does not exist in a \(vision.numHiddenLayers)-layer vision tower")
        }
        let strategy = try f.optionalString("vision_feature_select_strategy") ?? "default"
        guard strategy == "default" || strategy == "full" else {
            throw f.error("vision_feature_select_strategy", "expected \"default\" or \"full\", found \(strategy.debugDescription)")
        }
        let imageToken = try f.optionalInt("image_token_index") ?? f.optionalInt("image_token_id") ?? 32000
        guard imageToken >= 0, imageToken < text.vocabSize else {
            throw f.error("image_token_index", "\(imageToken) is outside the text vocabulary of \(text.vocabSize)")
        }
        self.init(
            text: text, vision: vision, imageTokenIndex: imageToken,
            projectorHiddenAct: try f.optionalString("projector_hidden_act") ?? "gelu",
            visionFeatureLayers: layers, visionFeatureSelectStrategy: strategy,
            imageSeqLength: try f.optionalInt("image_seq_length") ?? 576,
            multimodalProjectorBias: try f.optionalBool("multimodal_projector_bias") ?? true)
    }
}
