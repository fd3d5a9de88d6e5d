import ScalpelModels
import Testing
@testable import ScalpelTrain

@Suite("Optimizer")
struct OptimizerTests {
    /// Two steps against `torch.optim.AdamW(lr=0.01, betas=(0.9, 0.999), eps=1e-8)` in float64, with
    /// weight decay 0.1 on the weight group and none on the bias group.
    @Test("AdamW matches torch.optim.AdamW over two steps")
    func adamW() {
        let w = TrainableParameter(name: "w.weight", value: FloatBuffer([0.5, -1, 2, 0]), grad: FloatBuffer(count: 4), shape: [4])
        let b = TrainableParameter(name: "w.bias", value: FloatBuffer([0.25, -0.75]), grad: FloatBuffer(count: 2), shape: [2])
        #expect(w.decays && !b.decays)
        let opt = AdamW(weightDecay: 0.1)
        let grads: [([Float], [Float])] = [([0.1, -0.2, 0.3, 0], [1, -0.5]), ([-0.05, 0.4, 0.3, 1e-3], [0.2, 0.2])]
        let expected: [([Double], [Double])] = [
            ([0.4895000009999999, -0.9890000004999999, 1.9880000003333334, 0.0], [0.2400000001, -0.7400000002]),
            ([0.48634713093933907, -0.9916720356541037, 1.9760120006663333, -0.007441263026631013], [0.2319695904270777, -0.7365439418116511]),
        ]
        for ((gw, gb), (ew, eb)) in zip(grads, expected) {
            for i in 0..<4 { w.grad.pointer[i] = gw[i] }
            for i in 0..<2 { b.grad.pointer[i] = gb[i] }
            opt.step([w, b], lr: 0.01)
            for (x, e) in zip(w.value.array, ew) { #expect(abs(Double(x) - e) < 2e-6, "\(x) vs \(e)") }
            for (x, e) in zip(b.value.array, eb) { #expect(abs(Double(x) - e) < 2e-6, "\(x) vs \(e)") }
        }
        #expect(opt.stepCount == 2)
    }

    @Test("warmup then cosine, as get_cosine_schedule_with_warmup")
    func schedule() {
        let s = WarmupCosineSchedule(peak: 1, warmupSteps: 2, totalSteps: 10)
        let expected: [(Int, Float)] = [(0, 0), (1, 0.5), (2, 1), (3, 0.96193977), (6, 0.5), (10, 0), (12, 0)]
        for (step, lr) in expected { #expect(abs(s.lr(at: step) - lr) < 1e-6, "step \(step): \(s.lr(at: step))") }
        let floor = WarmupCosineSchedule(peak: 2, warmupSteps: 0, totalSteps: 4, minRatio: 0.1)
        #expect(abs(floor.lr(at: 4) - 0.2) < 1e-6)
    }

    @Test("clipping scales the gradients to the global norm and reports the norm before")
    func clipping() {
        let a = TrainableParameter(name: "a", value: FloatBuffer(count: 2), grad: FloatBuffer([3, 0]), shape: [2])
        let b = TrainableParameter(name: "b", value: FloatBuffer(count: 1), grad: FloatBuffer([4]), shape: [1])
        #expect(GradientClipping.clip([a, b], maxNorm: 1) == 5)
        #expect(abs(GradientClipping.globalNorm([a, b]) - 1) < 1e-5)
        #expect(GradientClipping.clip([a, b], maxNorm: 10) < 1.0001)
        #expect(abs(a.grad.pointer[0] - 0.6) < 1e-5)
    }

    @Test("accumulating two micro-batches equals one batch holding both")
    func accumulation() throws {
        let c = TrainSupport.config()
        let samples = [TrainingSample(tokens: [1, 5, 9, 3, 7]), TrainingSample(tokens: [2, 11, 4, 6, 8])]
        func run(_ batches: [TrainingBatch]) throws -> (SFTStepReport, [Float]) {
            let d = try TrainableDecoder(model: TrainSupport.randomModel(c), lora: LoRAConfig(rank: 2, seed: 5))
            let t = try SFTTrainer(decoder: d, options: SFTOptions(learningRate: 1e-2, totalSteps: 10, maxGradNorm: nil))
            let report = try t.step(batches)
            return (report, d.parameters.flatMap(\.value.array))
        }
        let (one, w1) = try run([SFTData.collate(samples, padId: 0)])
        let (two, w2) = try run(samples.map { SFTData.collate([$0], padId: 0) })
        #expect(abs(one.loss - two.loss) < 1e-5)
        #expect(abs(one.gradNorm - two.gradNorm) < 1e-5 * max(1, one.gradNorm))
        for (a, b) in zip(w1, w2) { #expect(abs(a - b) < 1e-5) }
    }
}
