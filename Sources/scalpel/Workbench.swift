import ArgumentParser
import Foundation
import ScalpelFormats
import ScalpelModels
import ScalpelTUI

/// `scalpel [workbench] [MODEL]`: the terminal workbench, the default command.
struct Workbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the terminal workbench on a model (what `scalpel` alone does).",
        discussion: """
            Without MODEL the workbench opens \(defaultModelName) from the model cache \
            ($SCALPEL_CACHE/models, by default ~/.cache/scalpel/models). Themes are read from \
            $SCALPEL_THEMES, ./themes, or the themes folder of the installation.
            """)

    /// The model opened when none is named.
    static let defaultModelName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String?

    func run() throws {
        try WorkbenchApp.checkTerminal()
        let status: ModelStatus
        if let model {
            status = .loaded(try ModelSummary(opening: model))
        } else {
            let path = ModelCache.directory.appendingPathComponent(Workbench.defaultModelName).path
            if FileManager.default.fileExists(atPath: path) {
                do {
                    status = .loaded(try ModelSummary(opening: path))
                } catch {
                    status = .unavailable(path: path, reason: "The default model could not be opened: \(error)")
                }
            } else {
                status = .unavailable(path: path, reason: "The default model is not in the model cache.")
            }
        }
        try WorkbenchApp.run(model: status, themes: ThemeCatalog.discover())
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
