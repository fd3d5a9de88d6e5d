import Foundation
import ScalpelCompress
import ScalpelTrain

/// One compression run described in YAML (docs/recipes.md): the model, calibration data, importance
/// criteria, the blocks to drop, healing, quantization, evaluation and export.
///
/// Optional sections are nil when the recipe leaves them out, and the matching stage is skipped. Paths
/// are absolute, resolved against the recipe file's folder. `Recipe.load(path:)` reads and checks a
/// file; `validate(config:)` adds the checks that need the model's configuration.
public struct Recipe: Sendable, Equatable {
    /// Which engine executes the run.
    public enum Backend: String, Sendable, Equatable, CaseIterable {
        case swift, torch
    }

    /// Run name (default: the recipe file's stem); the run id is `<name>-<yyyymmdd-hhmmss>`.
    public var name: String
    public var backend: Backend
    /// `user@host` to run the torch backend on over ssh (nil: this machine).
    public var remote: String?
    /// The `torch:` section, kept as written for the torch backend (nil when absent).
    public var torchSettings: TorchSettings?
    public var seed: UInt64
    /// Hugging Face folder (LLaMA or LLaVA) or `.gguf` file.
    public var model: String
    public var calibration: Calibration?
    /// Criteria to score; set whenever `prune` selects by count (its criterion is always included).
    public var importance: Importance?
    public var prune: Prune?
    public var sft: SFT?
    public var quantize: Quantize?
    /// Evaluations of the final model (`eval:`); empty for none.
    public var evaluations: [Evaluation]
    /// Also evaluate the unmodified input model.
    public var baseline: Bool
    public var export: Export?
    /// The recipe file (absolute), or "" for a recipe built in code. Not part of equality.
    public var path: String
    /// Where each value came from in the file, for diagnostics. Not part of equality.
    public var locations: RecipeLocations

    /// Same settings, wherever the recipes were read from.
    public static func == (a: Recipe, b: Recipe) -> Bool {
        a.name == b.name && a.backend == b.backend && a.remote == b.remote && a.torchSettings == b.torchSettings && a.seed == b.seed && a.model == b.model && a.calibration == b.calibration
            && a.importance == b.importance && a.prune == b.prune && a.sft == b.sft && a.quantize == b.quantize
            && a.evaluations == b.evaluations && a.baseline == b.baseline && a.export == b.export
    }

    public init(name: String, backend: Backend = .swift, seed: UInt64 = 0, model: String,
                calibration: Calibration? = nil, importance: Importance? = nil, prune: Prune? = nil, sft: SFT? = nil,
                quantize: Quantize? = nil, evaluations: [Evaluation] = [], baseline: Bool = false, export: Export? = nil,
                path: String = "", locations: RecipeLocations = RecipeLocations()) {
        self.name = name
        self.backend = backend
        self.seed = seed
        self.model = model
        self.calibration = calibration
        self.importance = importance
        self.prune = prune
        self.sft = sft
        self.quantize = quantize
        self.evaluations = evaluations
        self.baseline = baseline
        self.export = export
        self.path = path
        self.locations = locations
    }

    /// Text the importance criteria and the AWQ/GPTQ calibration read.
    public struct Calibration: Sendable, Equatable {
        /// LLaVA conversation JSON or plain text of the target domain.
        public var domain: String
        /// General text, needed by `domain_contrast`.
        public var general: String?
        /// Number of sequences (≥ 1).
        public var samples: Int
        /// Tokens per sequence (≥ 8).
        public var seqLen: Int

        public init(domain: String, general: String? = nil, samples: Int = 64, seqLen: Int = 256) {
            self.domain = domain
            self.general = general
            self.samples = samples
            self.seqLen = seqLen
        }
    }

    /// Which block-importance criteria to compute.
    public struct Importance: Sendable, Equatable {
        public var criteria: [BlockCriterion]
        /// λ of `domain_contrast` (≥ 0).
        public var lambda: Double
        /// Base of `domain_contrast`: `.blockInfluence` or `.looPPL`.
        public var base: BlockCriterion

        public init(criteria: [BlockCriterion], lambda: Double = 1, base: BlockCriterion = .blockInfluence) {
            self.criteria = criteria
            self.lambda = lambda
            self.base = base
        }
    }

    /// Which decoder blocks to drop.
    public struct Prune: Sendable, Equatable {
        public enum Selection: Sendable, Equatable {
            /// These block indices (sorted, distinct).
            case blocks([Int])
            /// The `count` least important blocks by `criterion`.
            case count(Int, criterion: BlockCriterion)
        }

        public var selection: Selection

        public init(selection: Selection) {
            self.selection = selection
        }
    }

    /// Supervised fine-tuning that heals the pruned model.
    public struct SFT: Sendable, Equatable {
        public enum Method: String, Sendable, Equatable, CaseIterable {
            case lora, full
        }

        /// LoRA adapter settings (`sft.lora`).
        public struct LoRA: Sendable, Equatable {
            public var rank: Int
            public var alpha: Double
            public var dropout: Double
            public var rsLoRA: Bool
            public var targets: LoRATargets

            public init(rank: Int = 8, alpha: Double = 16, dropout: Double = 0, rsLoRA: Bool = false,
                        targets: LoRATargets = .allLinear) {
                self.rank = rank
                self.alpha = alpha
                self.dropout = dropout
                self.rsLoRA = rsLoRA
                self.targets = targets
            }
        }

        /// Full fine-tuning settings (`sft.full`).
        public struct Full: Sendable, Equatable {
            public enum Part: String, Sendable, Equatable, CaseIterable {
                case decoder, embeddings
                case lmHead = "lm_head"
                case projector
                case visionTower = "vision_tower"
            }

            public var parts: [Part]

            public init(parts: [Part] = [.decoder]) {
                self.parts = parts
            }
        }

        /// Training data: LLaVA conversation JSON or plain text.
        public var data: String
        public var validation: String?
        public var method: Method
        public var lora: LoRA
        public var full: Full
        public var steps: Int
        public var batchSize: Int
        public var gradAccum: Int
        public var learningRate: Double
        public var warmup: Int
        public var weightDecay: Double
        /// nil: no clipping.
        public var maxGradNorm: Double?
        public var seqLen: Int
        /// Validation loss every N steps (0: never).
        public var evalEvery: Int
        public var checkpointEvery: Int

        public init(data: String, validation: String? = nil, method: Method = .lora, lora: LoRA = LoRA(), full: Full = Full(),
                    steps: Int = 100, batchSize: Int = 4, gradAccum: Int = 1, learningRate: Double = 2e-4, warmup: Int = 0,
                    weightDecay: Double = 0, maxGradNorm: Double? = 1, seqLen: Int = 256, evalEvery: Int = 0,
                    checkpointEvery: Int = 20) {
            self.data = data
            self.validation = validation
            self.method = method
            self.lora = lora
            self.full = full
            self.steps = steps
            self.batchSize = batchSize
            self.gradAccum = gradAccum
            self.learningRate = learningRate
            self.warmup = warmup
            self.weightDecay = weightDecay
            self.maxGradNorm = maxGradNorm
            self.seqLen = seqLen
            self.evalEvery = evalEvery
            self.checkpointEvery = checkpointEvery
        }
    }

    /// Weight quantization of the decoder's linears.
    public struct Quantize: Sendable, Equatable {
        public var method: QuantMethod
        /// 2, 3, 4 or 8 bits per weight, groups along the inputs (`groupSize` nil: per channel).
        public var scheme: QuantScheme
        /// Parts left in fp16: any of `embed_tokens`, `lm_head`, `vision_tower`, `projector`.
        public var keepFP16: [String]
        /// Calibration sequences for AWQ/GPTQ (taken from `calibration.domain`).
        public var samples: Int
        /// GPTQ only: quantize columns in order of decreasing Hessian diagonal.
        public var actOrder: Bool

        public init(method: QuantMethod = .awq, scheme: QuantScheme = QuantScheme(),
                    keepFP16: [String] = ["embed_tokens", "lm_head", "vision_tower", "projector"], samples: Int = 32,
                    actOrder: Bool = false) {
            self.method = method
            self.scheme = scheme
            self.keepFP16 = keepFP16
            self.samples = samples
            self.actOrder = actOrder
        }
    }

    /// One evaluation of the final model.
    public struct Evaluation: Sendable, Equatable {
        public enum Metric: String, Sendable, Equatable, CaseIterable {
            /// VQA exact match on LLaVA conversation JSON.
            case accuracy
            case perplexity
        }

        public var name: String
        public var data: String
        public var metrics: [Metric]
        /// At most this many examples; nil for all.
        public var limit: Int?

        public init(name: String, data: String, metrics: [Metric] = [.accuracy], limit: Int? = nil) {
            self.name = name
            self.data = data
            self.metrics = metrics
            self.limit = limit
        }
    }

    /// Files written from the final model.
    public struct Export: Sendable, Equatable {
        /// `hf` (dense fp16, or dequantized when quantized), `awq` (4-bit), `gguf` (Q4_0/Q4_1/Q8_0).
        public var formats: [ExportFormat]

        public init(formats: [ExportFormat] = [.hf]) {
            self.formats = formats
        }
    }
}
