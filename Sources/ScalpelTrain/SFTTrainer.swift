import ScalpelModels

/// Optimizer and schedule settings of a fine-tuning run.
public struct SFTOptions: Sendable, Equatable {
    public var learningRate: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    /// Floor of the cosine decay, as a fraction of the peak rate.
    public var minLearningRateRatio: Float
    public var weightDecay: Float
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    /// Clip the global gradient norm to this (nil: no clipping).
    public var maxGradNorm: Float?

    public init(learningRate: Float = 2e-4, warmupSteps: Int = 0, totalSteps: Int = 100, minLearningRateRatio: Float = 0,
                weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                maxGradNorm: Float? = 1) {
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minLearningRateRatio = minLearningRateRatio
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.maxGradNorm = maxGradNorm
    }
}

/// What one optimizer step did.
public struct SFTStepReport: Sendable, Equatable {
    /// Optimizer steps completed, this one included.
    public var step: Int
    /// Mean loss over the step's counted targets (all micro-batches together).
    public var loss: Float
    /// The learning rate the step used.
    public var learningRate: Float
    /// Global gradient norm before clipping.
    public var gradNorm: Float
    /// Targets that counted in the loss, and tokens processed (padding excluded).
    public var countedTargets: Int
    public var tokens: Int
}

/// The optimisation loop of supervised fine-tuning: gradient accumulation over micro-batches,
/// global-norm clipping, AdamW and the warmup + cosine schedule.
///
/// A step's loss is the mean over all counted targets of its micro-batches (each micro-batch's
/// gradient is weighted by its share of the targets), so accumulating k micro-batches gives the
/// gradient of the one batch they make together.
public final class SFTTrainer: @unchecked Sendable {
    public let decoder: TrainableDecoder
    public let options: SFTOptions
    public let optimizer: AdamW
    public let schedule: WarmupCosineSchedule
    public let parameters: [TrainableParameter]

    public init(decoder: TrainableDecoder, options: SFTOptions) throws {
        self.decoder = decoder
        self.options = options
        optimizer = AdamW(beta1: options.beta1, beta2: options.beta2, eps: options.eps, weightDecay: options.weightDecay)
        schedule = WarmupCosineSchedule(peak: options.learningRate, warmupSteps: options.warmupSteps,
                                        totalSteps: options.totalSteps, minRatio: options.minLearningRateRatio)
        parameters = decoder.parameters
        guard !parameters.isEmpty else { throw ModelError("nothing to train: choose LoRA targets or weights for full fine-tuning") }
    }

    /// Optimizer steps taken.
    public var step: Int { optimizer.stepCount }

    /// One optimizer step over `microBatches` (gradient accumulation when more than one).
    public func step(_ microBatches: [TrainingBatch]) throws -> SFTStepReport {
        let total = microBatches.reduce(0) { $0 + $1.countedTargets }
        guard total > 0 else { throw ModelError("no target in the step's batches counts toward the loss (all labels masked)") }
        decoder.zeroGradients()
        decoder.setTraining(true)
        var loss: Double = 0, tokens = 0
        for batch in microBatches {
            let counted = batch.countedTargets
            tokens += batch.realTokens
            guard counted > 0 else { continue }
            let share = Float(counted) / Float(total)
            let result = try decoder.lossAndGradients(batch, dLoss: share)
            loss += Double(result.loss) * Double(share)
        }
        let norm = options.maxGradNorm.map { GradientClipping.clip(parameters, maxNorm: $0) }
            ?? GradientClipping.globalNorm(parameters)
        let lr = schedule.lr(at: optimizer.stepCount)
        optimizer.step(parameters, lr: lr)
        return SFTStepReport(step: optimizer.stepCount, loss: Float(loss), learningRate: lr, gradNorm: norm,
                             countedTargets: total, tokens: tokens)
    }

    /// Mean loss over the counted targets of `batches`, without dropout or gradients.
    public func evaluate(_ batches: [TrainingBatch]) throws -> Float {
        decoder.setTraining(false)
        defer { decoder.setTraining(true) }
        var sum: Double = 0, count = 0
        for batch in batches {
            let r = try decoder.lossAndGradients(batch, backward: false)
            if r.count > 0 { sum += Double(r.loss) * Double(r.count); count += r.count }
        }
        return count > 0 ? Float(sum / Double(count)) : .nan
    }
}
