/// Token ids and next-token targets for `batch` sequences of `seqLen` positions, row-major.
///
/// `targets[t]` is the token position `t` should predict (the label of position `t + 1`), or
/// `ignoreIndex` where nothing counts (prompt tokens, padding, the last position).
/// `keyMask[b, t]` is 1 for real tokens and 0 for padding (nil: no padding).
///
/// LLaVA batches also carry their images: `pixelValues` holds them all, preprocessed, in order
/// (`[images, channels, size, size]`, as transformers' `pixel_values`), and `imagePositions` the rows
/// (`b·seqLen + t`) whose input is an image feature instead of a token embedding, in the same order:
/// the first image's `featuresPerImage` rows, then the next image's.
public struct TrainingBatch: Sendable, Equatable {
    public static let ignoreIndex: Int32 = -100

    public var batch: Int
    public var seqLen: Int
    public var inputs: [Int32]
    public var targets: [Int32]
    public var keyMask: [UInt8]?
    /// Preprocessed images of the whole batch, concatenated (empty: text only).
    public var pixelValues: [Float]
    /// Rows holding image features, image after image (empty: text only).
    public var imagePositions: [Int]

    public init(batch: Int, seqLen: Int, inputs: [Int32], targets: [Int32], keyMask: [UInt8]? = nil,
                pixelValues: [Float] = [], imagePositions: [Int] = []) {
        precondition(inputs.count == batch * seqLen && targets.count == batch * seqLen, "batch arrays must hold batch·seqLen entries")
        precondition(keyMask == nil || keyMask!.count == batch * seqLen, "the key mask must hold batch·seqLen entries")
        precondition(imagePositions.allSatisfy { $0 >= 0 && $0 < batch * seqLen }, "image positions must be rows of the batch")
        self.batch = batch
        self.seqLen = seqLen
        self.inputs = inputs
        self.targets = targets
        self.keyMask = keyMask
        self.pixelValues = pixelValues
        self.imagePositions = imagePositions
    }

    /// Positions whose target counts in the loss.
    public var countedTargets: Int { targets.reduce(0) { $0 + ($1 == Self.ignoreIndex ? 0 : 1) } }
    /// Real (non-padding) tokens.
    public var realTokens: Int { keyMask.map { $0.reduce(0) { $0 + Int($1) } } ?? inputs.count }
    /// Whether the batch carries images.
    public var hasImages: Bool { !imagePositions.isEmpty }
}
