/// What the Model screen shows about a checkpoint: read from headers alone, without loading weights.
///
/// The command line fills it from the model formats; the TUI itself never opens model files.
public struct ModelSummary: Hashable, Sendable {
    /// One group of tensors, such as `embeddings` or `layer 3`.
    public struct Part: Hashable, Sendable {
        /// The part's name.
        public var name: String
        /// Its parameter count (zero for a head tied to the embeddings).
        public var parameters: Int
        /// The storage types seen in the part, such as `["BF16"]`, or `["tied"]`.
        public var dtypes: [String]

        /// Creates a part.
        public init(name: String, parameters: Int, dtypes: [String]) {
            self.name = name
            self.parameters = parameters
            self.dtypes = dtypes
        }
    }

    /// The decoder's shape.
    public struct Decoder: Hashable, Sendable {
        /// `llama` or `llava`.
        public var modelType: String
        /// Decoder layers.
        public var layers: Int
        /// Hidden size.
        public var hiddenSize: Int
        /// MLP inner size.
        public var intermediateSize: Int
        /// Attention heads.
        public var heads: Int
        /// Key/value heads.
        public var kvHeads: Int
        /// Size of one head.
        public var headDim: Int
        /// Vocabulary size.
        public var vocabSize: Int
        /// Longest sequence the positions were trained for.
        public var contextLength: Int
        /// RoPE base.
        public var ropeTheta: Double
        /// Whether the output head shares the embedding matrix.
        public var tiedEmbeddings: Bool

        /// Creates a decoder description.
        public init(modelType: String, layers: Int, hiddenSize: Int, intermediateSize: Int, heads: Int, kvHeads: Int,
                    headDim: Int, vocabSize: Int, contextLength: Int, ropeTheta: Double, tiedEmbeddings: Bool) {
            self.modelType = modelType
            self.layers = layers
            self.hiddenSize = hiddenSize
            self.intermediateSize = intermediateSize
            self.heads = heads
            self.kvHeads = kvHeads
            self.headDim = headDim
            self.vocabSize = vocabSize
            self.contextLength = contextLength
            self.ropeTheta = ropeTheta
            self.tiedEmbeddings = tiedEmbeddings
        }
    }

    /// The vision tower's shape (LLaVA checkpoints).
    public struct Vision: Hashable, Sendable {
        /// Encoder layers.
        public var layers: Int
        /// Hidden size.
        public var hiddenSize: Int
        /// Input image side in pixels.
        public var imageSize: Int
        /// Patch side in pixels.
        public var patchSize: Int

        /// Creates a vision tower description.
        public init(layers: Int, hiddenSize: Int, imageSize: Int, patchSize: Int) {
            self.layers = layers
            self.hiddenSize = hiddenSize
            self.imageSize = imageSize
            self.patchSize = patchSize
        }
    }

    /// A short name: the file or folder name.
    public var name: String
    /// The path as given.
    public var path: String
    /// `safetensors` or `GGUF`.
    public var format: String
    /// How many weight files hold the tensors.
    public var fileCount: Int
    /// Bytes of the weight files on disk.
    public var fileBytes: Int
    /// How many tensors the checkpoint holds.
    public var tensorCount: Int
    /// The decoder.
    public var decoder: Decoder
    /// The vision tower, when there is one.
    public var vision: Vision?
    /// Parameters by part, in model order.
    public var parts: [Part]

    /// Creates a summary.
    public init(name: String, path: String, format: String, fileCount: Int, fileBytes: Int, tensorCount: Int,
                decoder: Decoder, vision: Vision? = nil, parts: [Part]) {
        self.name = name
        self.path = path
        self.format = format
        self.fileCount = fileCount
        self.fileBytes = fileBytes
        self.tensorCount = tensorCount
        self.decoder = decoder
        self.vision = vision
        self.parts = parts
    }

    /// All parameters.
    public var totalParameters: Int { parts.reduce(0) { $0 + $1.parameters } }

    /// Every storage type seen, in first-seen order (without the `tied` marker).
    public var dtypes: [String] {
        var seen: [String] = []
        for part in parts { for d in part.dtypes where d != "tied" && !seen.contains(d) { seen.append(d) } }
        return seen
    }
}
