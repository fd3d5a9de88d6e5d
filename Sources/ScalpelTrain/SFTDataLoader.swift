/// Batches of samples in a seeded order, epoch after epoch. Its whole position is `(epoch, index)`,
/// so a checkpoint can store it and a resumed run continues with the very next batch.
public struct SFTDataLoader: Sendable {
    public let samples: [TrainingSample]
    public let batchSize: Int
    public let padId: Int
    /// Pad every batch to this length (nil: to the batch's longest sample).
    public let seqLen: Int?
    public let seed: UInt64
    public let shuffle: Bool
    public private(set) var epoch = 0
    /// Index into this epoch's order of the next sample.
    public private(set) var index = 0
    private var order: [Int]

    public init(samples: [TrainingSample], batchSize: Int, padId: Int, seqLen: Int? = nil, seed: UInt64 = 0, shuffle: Bool = true) {
        precondition(batchSize > 0, "batch size must be positive")
        self.samples = samples
        self.batchSize = batchSize
        self.padId = padId
        self.seqLen = seqLen
        self.seed = seed
        self.shuffle = shuffle
        order = []
        order = makeOrder(epoch: 0)
    }

    private func makeOrder(epoch: Int) -> [Int] {
        var order = Array(samples.indices)
        guard shuffle else { return order }
        var rng = SeededRandom(seed: SeededRandom.key(seed, UInt64(epoch)))
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
        }
        return order
    }

    /// Moves to a saved position.
    public mutating func seek(epoch: Int, index: Int) {
        self.epoch = epoch
        self.index = index
        order = makeOrder(epoch: epoch)
    }

    /// The next batch (a new epoch starts, reshuffled, when fewer than `batchSize` samples remain).
    public mutating func next() -> TrainingBatch {
        precondition(!samples.isEmpty, "no samples to batch")
        if index + batchSize > order.count && index > 0 {
            seek(epoch: epoch + 1, index: 0)
        }
        let picked = order[index..<min(index + batchSize, order.count)].map { samples[$0] }
        index += picked.count
        return SFTData.collate(picked, padId: padId, seqLen: seqLen)
    }

    /// Splits samples into training and validation sets: a seeded shuffle, then the last
    /// `validationFraction` (at least one sample when the fraction is positive and there are two or more).
    public static func split(_ samples: [TrainingSample], validationFraction: Double, seed: UInt64) -> (train: [TrainingSample], validation: [TrainingSample]) {
        guard validationFraction > 0, samples.count > 1 else { return (samples, []) }
        var order = Array(samples.indices)
        var rng = SeededRandom(seed: SeededRandom.key(seed, 0x5EED))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let count = min(samples.count - 1, max(1, Int((Double(samples.count) * validationFraction).rounded())))
        let cut = samples.count - count
        return (order[..<cut].map { samples[$0] }, order[cut...].map { samples[$0] })
    }
}
