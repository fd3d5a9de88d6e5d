/// Callbacks of a fine-tuning run, all called on the thread running `SFTRun.run`, in order.
/// Every one is optional; the command line and the engine map them to protocol events.
public struct SFTRunObserver {
    /// A phase begins: `load` (model and data), `train`, `export` (adapter, merged checkpoint).
    public var stage: ((_ name: String, _ message: String) -> Void)?
    /// An optimizer step finished.
    public var step: ((SFTRunStepReport) -> Void)?
    /// Validation loss after optimizer step `step`.
    public var validation: ((_ step: Int, _ loss: Float) -> Void)?
    /// A checkpoint folder was written (atomically) after optimizer step `step`.
    public var checkpoint: ((_ step: Int, _ path: String) -> Void)?
    /// `done` of `total` optimizer steps (also called once at the start, with the resumed step).
    public var progress: ((_ done: Int, _ total: Int) -> Void)?
    /// A finished output: `kind` is `adapter`, `merged` or `checkpoint`.
    public var artifact: ((_ kind: String, _ path: String) -> Void)?

    public init(stage: ((String, String) -> Void)? = nil, step: ((SFTRunStepReport) -> Void)? = nil,
                validation: ((Int, Float) -> Void)? = nil, checkpoint: ((Int, String) -> Void)? = nil,
                progress: ((Int, Int) -> Void)? = nil, artifact: ((String, String) -> Void)? = nil) {
        self.stage = stage
        self.step = step
        self.validation = validation
        self.checkpoint = checkpoint
        self.progress = progress
        self.artifact = artifact
    }
}

/// One optimizer step of a run, as the observer sees it.
public struct SFTRunStepReport: Sendable, Equatable {
    /// Optimizer steps completed, this one included, and the run's total.
    public var step: Int
    public var totalSteps: Int
    /// Mean loss over the step's counted targets.
    public var loss: Float
    public var learningRate: Float
    /// Global gradient norm before clipping.
    public var gradNorm: Float
    /// Real (non-padding) tokens the step processed, and per second of its wall time.
    public var tokens: Int
    public var tokensPerSecond: Double
    /// Wall time of this step, and since the run (this process) started training.
    public var seconds: Double
    public var elapsed: Double

    public init(step: Int, totalSteps: Int, loss: Float, learningRate: Float, gradNorm: Float, tokens: Int,
                tokensPerSecond: Double, seconds: Double, elapsed: Double) {
        self.step = step
        self.totalSteps = totalSteps
        self.loss = loss
        self.learningRate = learningRate
        self.gradNorm = gradNorm
        self.tokens = tokens
        self.tokensPerSecond = tokensPerSecond
        self.seconds = seconds
        self.elapsed = elapsed
    }
}
