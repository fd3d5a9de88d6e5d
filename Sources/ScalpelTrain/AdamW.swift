import Foundation
import ScalpelModels

/// AdamW as `torch.optim.AdamW` computes it (decoupled weight decay, bias correction, no amsgrad):
///
///     θ ← θ·(1 − lr·λ)
///     m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Moments are kept per parameter, in the order of the list passed to `step`, which must stay the same.
public final class AdamW: @unchecked Sendable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    /// Optimizer steps taken (t in the bias corrections).
    public private(set) var stepCount = 0
    /// First and second moments, one pair per parameter.
    public private(set) var moments: [(m: FloatBuffer, v: FloatBuffer)] = []

    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    /// Updates every parameter from its gradient with learning rate `lr`.
    public func step(_ parameters: [TrainableParameter], lr: Float) {
        if moments.isEmpty {
            moments = parameters.map { (FloatBuffer(count: $0.value.count), FloatBuffer(count: $0.value.count)) }
        }
        precondition(moments.count == parameters.count, "AdamW was built for \(moments.count) parameters, not \(parameters.count)")
        stepCount += 1
        let t = Double(stepCount)
        let bc1 = Float(1 - Double(beta1).power(t)), bc2 = Float(1 - Double(beta2).power(t))
        let stepSize = lr / bc1, bc2Root = bc2.squareRoot()
        let b1 = beta1, b2 = beta2, eps = eps
        for (p, (m, v)) in zip(parameters, moments) {
            let theta = p.value.pointer, g = p.grad.pointer, mp = m.pointer, vp = v.pointer
            let decay = p.decays ? 1 - lr * weightDecay : 1
            for i in 0..<p.value.count {
                theta[i] *= decay
                mp[i] = b1 * mp[i] + (1 - b1) * g[i]
                vp[i] = b2 * vp[i] + (1 - b2) * g[i] * g[i]
                let denom = vp[i].squareRoot() / bc2Root + eps
                theta[i] -= stepSize * mp[i] / denom
            }
        }
    }

    /// Restores the state a checkpoint saved (steps taken and moments, one pair per parameter).
    public func restore(stepCount: Int, moments: [(m: [Float], v: [Float])]) {
        self.stepCount = stepCount
        self.moments = moments.map { (FloatBuffer($0.m), FloatBuffer($0.v)) }
    }
}

extension Double {
    fileprivate func power(_ e: Double) -> Double {
        var result = 1.0, base = self, n = Int(e)
        while n > 0 {
            if n & 1 == 1 { result *= base }
            base *= base
            n >>= 1
        }
        return result
    }
}

/// Learning rate per optimizer step: linear warmup from 0, then cosine decay to `minRatio · peak`
/// (transformers' `get_cosine_schedule_with_warmup` when `minRatio` is 0).
public struct WarmupCosineSchedule: Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minRatio: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minRatio: Float = 0) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minRatio = minRatio
    }

    /// The rate for the optimizer step that follows `step` completed steps (0 for the first).
    public func lr(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step) / Float(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        let cosine = max(0, 0.5 * (1 + cos(Double.pi * min(progress, 1))))
        return peak * (minRatio + (1 - minRatio) * Float(cosine))
    }
}

/// Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// The L2 norm of all gradients together.
    public static func globalNorm(_ parameters: [TrainableParameter]) -> Float {
        var sum: Double = 0
        for p in parameters {
            for i in 0..<p.grad.count { let g = Double(p.grad.pointer[i]); sum += g * g }
        }
        return Float(sum.squareRoot())
    }

    /// Scales every gradient by `maxNorm / (norm + 1e-6)` when that is below 1; returns the norm
    /// before clipping.
    @discardableResult
    public static func clip(_ parameters: [TrainableParameter], maxNorm: Float) -> Float {
        let norm = globalNorm(parameters)
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for p in parameters { for i in 0..<p.grad.count { p.grad.pointer[i] *= coefficient } }
        }
        return norm
    }
}
