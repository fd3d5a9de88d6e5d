/// Where the workbench finds the engine and its files: filled by the command line, fixed while it runs.
public struct WorkbenchContext: Hashable, Sendable {
    /// The opened model's path, `nil` when none is open.
    public var modelPath: String?
    /// The calibration data the importance prompt proposes.
    public var calibrationPath: String?
    /// Fine-tuning data for the recipe; when `nil`, the calibration data chosen on the Layers screen, and
    /// without that fine-tuning is left out.
    public var trainingDataPath: String?
    /// Evaluation data for the recipe; `nil` leaves evaluation out.
    public var evaluationPath: String?
    /// The run store.
    public var runsDirectory: String
    /// The engine program (normally this `scalpel` binary).
    public var engineExecutable: String
    /// Arguments put before the subcommand.
    public var engineArguments: [String]
    /// Computes deploy memory for the Quantize screen, `nil` when unavailable.
    public var estimator: MemoryEstimator?
    /// The `--criteria` of importance computations.
    public var criteria: String
    /// Calibration samples of importance computations.
    public var importanceSamples: Int
    /// Tokens per calibration sample.
    public var seqLen: Int
    /// Fine-tuning steps of a new recipe.
    public var steps: Int

    /// Creates a context.
    public init(modelPath: String? = nil, calibrationPath: String? = nil, trainingDataPath: String? = nil,
                evaluationPath: String? = nil, runsDirectory: String = "runs", engineExecutable: String = "scalpel",
                engineArguments: [String] = [], estimator: MemoryEstimator? = nil,
                criteria: String = "block_influence,angular,magnitude,taylor", importanceSamples: Int = 16, seqLen: Int = 128,
                steps: Int = 20) {
        self.modelPath = modelPath
        self.calibrationPath = calibrationPath
        self.trainingDataPath = trainingDataPath
        self.evaluationPath = evaluationPath
        self.runsDirectory = runsDirectory
        self.engineExecutable = engineExecutable
        self.engineArguments = engineArguments
        self.estimator = estimator
        self.criteria = criteria
        self.importanceSamples = importanceSamples
        self.seqLen = seqLen
        self.steps = steps
    }
}
