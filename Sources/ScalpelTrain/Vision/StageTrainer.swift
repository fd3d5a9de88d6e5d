import Foundation
import ScalpelFormats
import ScalpelModels

/// The optimisation loop for any list of parameters (a LLaVA's parts, a pretraining head):
/// zero the gradients, let the caller accumulate them, clip by global norm, take an AdamW step at
/// the warmup + cosine schedule's rate. Its state (parameters, moments, step and the caller's
/// metadata) is saved and restored as one atomic safetensors file, so a killed stage resumes.
public final class StageTrainer: @unchecked Sendable {
    public let parameters: [TrainableParameter]
    public let options: SFTOptions
    public let optimizer: AdamW
    public let schedule: WarmupCosineSchedule

    public init(parameters: [TrainableParameter], options: SFTOptions) throws {
        guard !parameters.isEmpty else { throw ModelError("nothing to train: no trainable parameter chosen") }
        self.parameters = parameters
        self.options = options
        optimizer = AdamW(beta1: options.beta1, beta2: options.beta2, eps: options.eps, weightDecay: options.weightDecay)
        schedule = WarmupCosineSchedule(peak: options.learningRate, warmupSteps: options.warmupSteps,
                                        totalSteps: options.totalSteps, minRatio: options.minLearningRateRatio)
    }

    /// Optimizer steps taken.
    public var step: Int { optimizer.stepCount }

    /// One optimizer step: gradients zeroed, `accumulate` adds them (and returns the step's loss),
    /// then clipping and AdamW. Returns the loss, the rate used and the norm before clipping.
    @discardableResult
    public func step(_ accumulate: () throws -> Float) throws -> (loss: Float, learningRate: Float, gradNorm: Float) {
        for p in parameters { p.grad.zero() }
        let loss = try accumulate()
        guard loss.isFinite else { throw ModelError("the loss is not finite at step \(step + 1) (diverged); lower the learning rate") }
        let norm = options.maxGradNorm.map { GradientClipping.clip(parameters, maxNorm: $0) } ?? GradientClipping.globalNorm(parameters)
        let lr = schedule.lr(at: optimizer.stepCount)
        optimizer.step(parameters, lr: lr)
        return (loss, lr, norm)
    }

    /// Writes parameters, AdamW moments, the step and `metadata` to `path` atomically.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var meta = metadata
        meta["format"] = "scalpel-stage-1"
        meta["step"] = String(optimizer.stepCount)
        var writer = SafetensorsWriter(metadata: meta)
        let moments = optimizer.moments
        for (i, p) in parameters.enumerated() {
            try writer.add("param." + p.name, floats: p.value.array, shape: p.shape)
            if i < moments.count {
                try writer.add("adam_m." + p.name, floats: moments[i].m.array, shape: p.shape)
                try writer.add("adam_v." + p.name, floats: moments[i].v.array, shape: p.shape)
            }
        }
        try writer.write(to: path)
    }

    /// Restores what `save` wrote into a trainer over the same parameters; returns its metadata.
    @discardableResult
    public func load(from path: String) throws -> [String: String] {
        let file = try SafetensorsFile(path: path)
        let meta = file.metadata
        guard meta["format"] == "scalpel-stage-1", let step = meta["step"].flatMap(Int.init) else {
            throw FormatError(file: path, "not a Scalpel stage checkpoint (missing format or step metadata)")
        }
        var moments: [(m: [Float], v: [Float])] = []
        for p in parameters {
            func read(_ name: String) throws -> [Float] {
                guard let info = file.info(name) else {
                    throw FormatError(file: path, "no tensor '\(name)': the checkpoint was written for other parameters")
                }
                guard info.shape == p.shape else { throw FormatError(file: path, "tensor '\(name)' has shape \(info.shape), expected \(p.shape)") }
                return try file.floats(name)
            }
            let values = try read("param." + p.name)
            values.withUnsafeBufferPointer { p.value.pointer.update(from: $0.baseAddress!, count: values.count) }
            if step > 0 { moments.append((try read("adam_m." + p.name), try read("adam_v." + p.name))) }
        }
        optimizer.restore(stepCount: step, moments: moments)
        return meta
    }
}
