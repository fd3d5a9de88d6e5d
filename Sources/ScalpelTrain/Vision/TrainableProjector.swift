import ScalpelModels
import ScalpelTensor

/// LLaVA's projector (`linear_2(act(linear_1(features)))`) set up for training: a forward pass
/// that keeps its input and hidden layer, and a backward pass giving the weights' gradients (when
/// trainable) and the features' gradient (for a trainable vision tower behind it).
public final class TrainableProjector: @unchecked Sendable {
    public let projector: LlavaProjector
    /// Prefix of the projector's names, ending in `multi_modal_projector.`.
    public let prefix: String
    public let trainable: Bool
    public let linear1Grad, linear1BiasGrad, linear2Grad, linear2BiasGrad: FloatBuffer?

    public init(projector: LlavaProjector, prefix: String = LlavaTensorNames.saved.projector, trainable: Bool) {
        self.projector = projector
        self.prefix = prefix
        self.trainable = trainable
        func grad(_ b: FloatBuffer?) -> FloatBuffer? { trainable ? b.map { FloatBuffer(count: $0.count) } : nil }
        linear1Grad = grad(projector.linear1)
        linear1BiasGrad = grad(projector.linear1Bias)
        linear2Grad = grad(projector.linear2)
        linear2BiasGrad = grad(projector.linear2Bias)
    }

    /// The trainable weights with their checkpoint names (none when frozen).
    public var parameters: [TrainableParameter] {
        guard trainable else { return [] }
        let p = projector, i = p.inFeatures, o = p.outFeatures
        var list = [TrainableParameter(name: prefix + "linear_1.weight", value: p.linear1, grad: linear1Grad!, shape: [o, i])]
        if let b = p.linear1Bias { list.append(TrainableParameter(name: prefix + "linear_1.bias", value: b, grad: linear1BiasGrad!, shape: [o])) }
        list.append(TrainableParameter(name: prefix + "linear_2.weight", value: p.linear2, grad: linear2Grad!, shape: [o, o]))
        if let b = p.linear2Bias { list.append(TrainableParameter(name: prefix + "linear_2.bias", value: b, grad: linear2BiasGrad!, shape: [o])) }
        return list
    }

    /// What the forward pass keeps.
    public final class Pass: @unchecked Sendable {
        let rows: Int
        let input, pre, hidden: FloatBuffer
        init(rows: Int, input: FloatBuffer, pre: FloatBuffer, hidden: FloatBuffer) {
            self.rows = rows
            self.input = input
            self.pre = pre
            self.hidden = hidden
        }
    }

    /// Projects `features` (`[rows, inFeatures]`) to `[rows, outFeatures]`, as `LlavaProjector.forward`.
    public func forward(_ features: FloatBuffer, rows: Int) -> (out: FloatBuffer, pass: Pass) {
        let p = projector, o = p.outFeatures
        precondition(features.count == rows * p.inFeatures, "projector input of the wrong size")
        let pre = FloatBuffer(count: rows * o), hidden = FloatBuffer(count: rows * o), out = FloatBuffer(count: rows * o)
        Linear.forward(out: pre.pointer, x: features.readPointer, weight: p.linear1.readPointer, bias: p.linear1Bias?.readPointer,
                       n: rows, inFeatures: p.inFeatures, outFeatures: o)
        p.activation.forward(out: hidden.pointer, x: pre.readPointer, count: rows * o)
        Linear.forward(out: out.pointer, x: hidden.readPointer, weight: p.linear2.readPointer, bias: p.linear2Bias?.readPointer,
                       n: rows, inFeatures: o, outFeatures: o)
        return (out, Pass(rows: rows, input: features, pre: pre, hidden: hidden))
    }

    /// Adds the weights' gradients (when trainable) from `dOut` (`[rows, outFeatures]`), and returns
    /// ∂L/∂features when `inputGradient` (nil otherwise).
    public func backward(_ dOut: FloatBuffer, pass: Pass, inputGradient: Bool) -> FloatBuffer? {
        let p = projector, o = p.outFeatures, rows = pass.rows
        let dHidden = FloatBuffer(count: rows * o)
        Linear.backward(dX: dHidden.pointer, dWeight: linear2Grad?.pointer, dBias: linear2BiasGrad?.pointer, dOut: dOut.readPointer,
                        x: pass.hidden.readPointer, weight: p.linear2.readPointer, n: rows, inFeatures: o, outFeatures: o)
        let dPre = FloatBuffer(count: rows * o)
        p.activation.backward(dX: dPre.pointer, dOut: dHidden.readPointer, x: pass.pre.readPointer, count: rows * o)
        let dInput = inputGradient ? FloatBuffer(count: rows * p.inFeatures) : nil
        Linear.backward(dX: dInput?.pointer, dWeight: linear1Grad?.pointer, dBias: linear1BiasGrad?.pointer, dOut: dPre.readPointer,
                        x: pass.input.readPointer, weight: p.linear1.readPointer, n: rows, inFeatures: p.inFeatures, outFeatures: o)
        return dInput
    }
}
