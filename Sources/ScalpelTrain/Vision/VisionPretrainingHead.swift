import Foundation
import ScalpelModels
import ScalpelTensor

/// Supervised pretraining of a vision tower, standing in for CLIP's contrastive pretraining: linear
/// classifiers on the tower's pooled features, one per labelled attribute, trained with the sum over
/// tasks of each task's mean cross-entropy. Pooling is the mean over an image's feature rows, or
/// their concatenation (`flatten`: the classifier sees where in the image a feature is, which
/// attributes tied to a region of the image need).
///
/// The head is thrown away after pretraining; what stays is a tower whose features carry the
/// attributes, which the projector then learns to hand to the decoder.
public final class VisionPretrainingHead: @unchecked Sendable {
    /// One classification task: its name and number of classes.
    public struct Task: Sendable, Equatable {
        public var name: String
        public var classes: Int
        public init(name: String, classes: Int) {
            self.name = name
            self.classes = classes
        }
    }

    /// How an image's feature rows become the classifiers' input.
    public enum Pooling: String, Sendable {
        case mean, flatten
    }

    public let tasks: [Task]
    /// Width of one feature row.
    public let inFeatures: Int
    public let pooling: Pooling
    /// Feature rows per image (fixed for `flatten`).
    public let tokens: Int
    /// The classifiers' input width: `inFeatures`, or `tokens · inFeatures` when flattened.
    public var inputWidth: Int { pooling == .mean ? inFeatures : tokens * inFeatures }
    /// All tasks' classifiers stacked: `[Σ classes, inFeatures]`, and their biases.
    public let weight, bias, weightGrad, biasGrad: FloatBuffer

    /// A head with weights uniform in ±1/√inputWidth (PyTorch's `nn.Linear` default) from `seed`.
    public init(tasks: [Task], inFeatures: Int, pooling: Pooling = .mean, tokens: Int = 1, seed: UInt64) {
        precondition(!tasks.isEmpty && tasks.allSatisfy { $0.classes > 1 }, "each task needs two or more classes")
        self.tasks = tasks
        self.inFeatures = inFeatures
        self.pooling = pooling
        self.tokens = tokens
        let total = tasks.reduce(0) { $0 + $1.classes }
        let width = pooling == .mean ? inFeatures : tokens * inFeatures
        var rng = SeededRandom(seed: seed)
        let bound = 1 / Float(width).squareRoot()
        weight = FloatBuffer((0..<(total * width)).map { _ in rng.nextFloat(in: -bound, bound) })
        bias = FloatBuffer(count: total)
        weightGrad = FloatBuffer(count: total * width)
        biasGrad = FloatBuffer(count: total)
    }

    public var totalClasses: Int { tasks.reduce(0) { $0 + $1.classes } }

    /// The head's weights (`head.weight`, `head.bias`).
    public var parameters: [TrainableParameter] {
        [TrainableParameter(name: "head.weight", value: weight, grad: weightGrad, shape: [totalClasses, inputWidth]),
         TrainableParameter(name: "head.bias", value: bias, grad: biasGrad, shape: [totalClasses])]
    }

    /// What one evaluation of the head gives.
    public struct Result: Sendable {
        /// Σ over tasks of the mean cross-entropy over images.
        public var loss: Float
        /// Per task, how many images' argmax class equals the label.
        public var correct: [Int]
        /// Per image, per task, the predicted class.
        public var predictions: [[Int]]
    }

    /// Scores `features` (`[images·tokens, inFeatures]`, `tokens` rows per image) against `labels`
    /// (per image, one class per task). With `featureGradient`, adds `dLoss · ∂loss/∂features` into it
    /// and the head's own gradients into `weightGrad` / `biasGrad`.
    public func evaluate(features: FloatBuffer, images: Int, tokens: Int, labels: [[Int]],
                         featureGradient: FloatBuffer? = nil, dLoss: Float = 1) throws -> Result {
        guard features.count == images * tokens * inFeatures else {
            throw ModelError("the head takes \(inFeatures)-wide features: got \(features.count) floats for \(images) image(s) × \(tokens) rows")
        }
        guard labels.count == images else { throw ModelError("\(labels.count) label rows for \(images) image(s)") }
        for (i, row) in labels.enumerated() {
            guard row.count == tasks.count else { throw ModelError("image \(i) has \(row.count) labels for \(tasks.count) tasks") }
            for (t, label) in row.enumerated() where label < 0 || label >= tasks[t].classes {
                throw ModelError("image \(i): label \(label) of task '\(tasks[t].name)' is outside 0..<\(tasks[t].classes)")
            }
        }
        if pooling == .flatten && tokens != self.tokens {
            throw ModelError("the flattening head takes \(self.tokens) rows per image, got \(tokens)")
        }
        let total = totalClasses, w = inputWidth
        let pooled: FloatBuffer
        let scale = 1 / Float(tokens)
        if pooling == .flatten {
            pooled = features
        } else {
            pooled = FloatBuffer(count: images * w)
            for b in 0..<images {
                let dst = pooled.pointer + b * w
                for r in 0..<tokens {
                    let src = features.readPointer + (b * tokens + r) * w
                    for j in 0..<w { dst[j] += src[j] }
                }
                for j in 0..<w { dst[j] *= scale }
            }
        }
        let logits = FloatBuffer(count: images * total)
        Linear.forward(out: logits.pointer, x: pooled.readPointer, weight: weight.readPointer, bias: bias.readPointer,
                       n: images, inFeatures: w, outFeatures: total)
        let dLogits = FloatBuffer(count: images * total)
        var loss: Double = 0
        var correct = [Int](repeating: 0, count: tasks.count)
        var predictions = [[Int]](repeating: [], count: images)
        for b in 0..<images {
            var offset = 0
            for (t, task) in tasks.enumerated() {
                let row = logits.readPointer + b * total + offset
                var best = 0, top = row[0]
                for k in 1..<task.classes where row[k] > top { top = row[k]; best = k }
                var sum: Double = 0
                for k in 0..<task.classes { sum += Foundation.exp(Double(row[k] - top)) }
                let label = labels[b][t]
                loss += (Foundation.log(sum) - Double(row[label] - top)) / Double(images)
                if best == label { correct[t] += 1 }
                predictions[b].append(best)
                let d = dLogits.pointer + b * total + offset
                for k in 0..<task.classes {
                    let p = Foundation.exp(Double(row[k] - top)) / sum
                    d[k] = Float((p - (k == label ? 1 : 0)) / Double(images)) * dLoss
                }
                offset += task.classes
            }
        }
        if let featureGradient {
            if pooling == .flatten {
                Linear.backward(dX: featureGradient.pointer, dWeight: weightGrad.pointer, dBias: biasGrad.pointer, dOut: dLogits.readPointer,
                                x: pooled.readPointer, weight: weight.readPointer, n: images, inFeatures: w, outFeatures: total)
                return Result(loss: Float(loss), correct: correct, predictions: predictions)
            }
            let dPooled = FloatBuffer(count: images * w)
            Linear.backward(dX: dPooled.pointer, dWeight: weightGrad.pointer, dBias: biasGrad.pointer, dOut: dLogits.readPointer,
                            x: pooled.readPointer, weight: weight.readPointer, n: images, inFeatures: w, outFeatures: total)
            for b in 0..<images {
                let src = dPooled.readPointer + b * w
                for r in 0..<tokens {
                    let dst = featureGradient.pointer + (b * tokens + r) * w
                    for j in 0..<w { dst[j] += src[j] * scale }
                }
            }
        }
        return Result(loss: Float(loss), correct: correct, predictions: predictions)
    }
}
