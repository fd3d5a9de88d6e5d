import ArgumentParser
import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels
import ScalpelTUI

/// `scalpel [workbench] [MODEL]`: the terminal workbench, the default command.
struct Workbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the terminal workbench on a model (what `scalpel` alone does).",
        discussion: """
            Without MODEL the workbench opens the sample model: ./\(sampleModel), else the \(sampleModel) folder \
            of the package the executable was built in. Themes are read from $SCALPEL_THEMES, ./themes, or the \
            themes folder of the installation; the last one chosen (--theme, or t in the workbench) is remembered \
            in $XDG_CONFIG_HOME/scalpel/workbench.conf (by default ~/.config/scalpel/workbench.conf). Runs \
            launched from the workbench go to --runs-dir; the engine runs as a child process \
            (`scalpel importance … --events -`, `scalpel run RECIPE --events -`), $SCALPEL_ENGINE naming another \
            engine program.
            """)

    /// The sample model, relative to the current folder or the package root.
    static let sampleModel = "sample-models/derm-llava-tiny"

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String?

    @Option(help: "The theme to use (a name from the themes folder, such as default, light, high-contrast, colorblind); remembered.")
    var theme: String?

    @Option(help: "The run store: runs launched here are written under it, and Compare reads it.")
    var runsDir = "runs"

    @Option(help: "Fine-tuning steps of the recipes the Run screen writes.")
    var steps = 20

    func run() throws {
        try WorkbenchApp.checkTerminal()
        let status: ModelStatus
        let path: String
        if let model {
            path = model
            status = .loaded(try ModelSummary(opening: model))
        } else if let found = Self.locateSampleModel() {
            path = found
            do {
                status = .loaded(try ModelSummary(opening: found))
            } catch {
                status = .unavailable(path: found, reason: "The sample model could not be opened: \(error)")
            }
        } else {
            path = Self.sampleModel
            status = .unavailable(path: "./\(Self.sampleModel)",
                                  reason: "The sample model is neither in the current folder nor beside the scalpel package. "
                                  + "Name a model: `scalpel MODEL`.")
        }
        let settings = WorkbenchSettings.load()
        let chosenTheme = theme ?? settings.theme
        if let theme { WorkbenchSettings(theme: theme).save() }
        let context = Self.context(modelPath: status.summary == nil ? nil : Self.absolute(path), runsDir: runsDir, steps: steps)
        try WorkbenchApp.run(model: status, themes: ThemeCatalog.discover(), context: context, theme: chosenTheme,
                             rememberTheme: { WorkbenchSettings(theme: $0).save() })
    }

    /// The sample model folder: in the current folder, else in the package the executable was built in
    /// (found by walking up from the executable).
    static func locateSampleModel() -> String? {
        let fm = FileManager.default
        var candidates = [(fm.currentDirectoryPath as NSString).appendingPathComponent(sampleModel)]
        if let exe = Bundle.main.executablePath {
            var dir = ((exe as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
            while dir != "/" && !dir.isEmpty {
                candidates.append((dir as NSString).appendingPathComponent(sampleModel))
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        var isDirectory: ObjCBool = false
        return candidates.first { fm.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
    }

    /// `path` made absolute against the current folder.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// The engine, data files and estimator for the model at `modelPath`.
    static func context(modelPath: String?, runsDir: String, steps: Int) -> WorkbenchContext {
        let env = ProcessInfo.processInfo.environment
        let engine = env["SCALPEL_ENGINE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Bundle.main.executablePath.map { ($0 as NSString).resolvingSymlinksInPath }
            ?? CommandLine.arguments[0]
        var context = WorkbenchContext(modelPath: modelPath, runsDirectory: absolute(runsDir), engineExecutable: engine, steps: steps)
        if let modelPath {
            var isDirectory: ObjCBool = false
            let folder = FileManager.default.fileExists(atPath: modelPath, isDirectory: &isDirectory) && isDirectory.boolValue
                ? modelPath : (modelPath as NSString).deletingLastPathComponent
            func file(_ name: String) -> String? {
                let p = (folder as NSString).appendingPathComponent(name)
                return FileManager.default.fileExists(atPath: p) ? p : nil
            }
            context.calibrationPath = file("synthderm-test.json") ?? file("calibration.txt")
            context.trainingDataPath = file("synthderm-train.json") ?? context.calibrationPath
            context.evaluationPath = file("synthderm-test.json")
            context.estimator = estimator(modelPath: modelPath)
        }
        return context
    }

    /// The Quantize screen's estimator: `MemoryEstimate` on the model's configuration, as `scalpel estimate`.
    static func estimator(modelPath: String) -> MemoryEstimator? {
        guard let config = try? MemoryEstimateCommand.loadConfig(modelPath) else { return nil }
        return MemoryEstimator(id: modelPath) { plan in
            let scheme = plan.bits.map { QuantScheme(bits: $0, groupSize: plan.groupSize, symmetric: plan.symmetric) }
            let options = MemoryEstimate.Options(
                drop: plan.dropped, scheme: scheme, zeroFormat: plan.symmetric ? .symmetric : .awqGemm,
                keepEmbeddings: plan.keep16.contains("embeddings"), keepHead: plan.keep16.contains("head"),
                keepVision: plan.keep16.contains("vision"), keepProjector: plan.keep16.contains("projector"),
                context: plan.context, batch: 1, metadataBytes: 0)
            do {
                if let scheme { try scheme.validate() }
                let e = try MemoryEstimate.estimate(config: config, options: options)
                return .success(MemoryBreakdown(
                    parts: e.parts.map { .init(name: $0.name, parameters: $0.params, bits: $0.bits, bytes: $0.bytes) },
                    kvCacheBytes: e.kvCacheBytes, activationsBytes: e.activationsBytes))
            } catch {
                return .failure(MemoryEstimator.EstimateError("\(error)"))
            }
        }
    }
}

extension ModelSummary {
    /// The Model screen's facts about the checkpoint at `path`, read from its headers.
    init(opening path: String) throws {
        let checkpoint = try Checkpoint.open(path)
        let inventory = ParameterInventory(source: checkpoint.weights, config: checkpoint.config)
        let text = checkpoint.config.text
        let decoder = Decoder(
            modelType: checkpoint.config.modelType, layers: text.numHiddenLayers, hiddenSize: text.hiddenSize,
            intermediateSize: text.intermediateSize, heads: text.numAttentionHeads, kvHeads: text.numKeyValueHeads,
            headDim: text.headDim, vocabSize: text.vocabSize, contextLength: text.maxPositionEmbeddings,
            ropeTheta: text.ropeTheta, tiedEmbeddings: text.tieWordEmbeddings)
        let vision = checkpoint.config.vision.map {
            Vision(layers: $0.numHiddenLayers, hiddenSize: $0.hiddenSize, imageSize: $0.imageSize, patchSize: $0.patchSize)
        }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let fileCount = isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".safetensors") }.count
            : 1
        let url = URL(fileURLWithPath: path).standardizedFileURL
        self.init(name: url.lastPathComponent, path: path, format: checkpoint.gguf == nil ? "safetensors" : "GGUF",
                  fileCount: fileCount, fileBytes: checkpoint.fileBytes, tensorCount: checkpoint.weights.tensorNames.count,
                  decoder: decoder, vision: vision,
                  parts: inventory.parts.map { Part(name: $0.name, parameters: $0.parameters, dtypes: $0.dtypes) })
    }
}
