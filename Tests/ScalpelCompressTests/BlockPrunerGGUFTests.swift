import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

@Suite struct BlockPrunerGGUFTests {
    /// The tiny random model as an f32 GGUF (llama.cpp names, q/k rows permuted as llama.cpp stores them).
    static func gguf() throws -> String {
        let tiny = try TinyModel(layers: 3)
        let c = tiny.config, source = try tiny.checkpoint().weights
        var w = GGUFWriter()
        w.setLlamaHyperparameters(c, blockCount: c.numHiddenLayers)
        for name in source.tensorNames {
            let info = source.info(name)!
            var values = try source.floats(name)
            if name.hasSuffix("q_proj.weight") || name.hasSuffix("k_proj.weight") {
                let heads = name.hasSuffix("q_proj.weight") ? c.numAttentionHeads : c.numKeyValueHeads
                values = GGUFNameMap.permuteRows(values, rows: info.shape[0], cols: info.shape[1], heads: heads)!
            }
            let bytes = values.withUnsafeBytes { Array($0) }
            try w.addTensor(GGUFNameMap.ggufName(forHuggingFace: name)!, dims: info.shape.reversed(), type: .f32, bytes: bytes)
        }
        let path = TinyModel.temporaryFolder("gguf-in") + "/tiny.gguf"
        try w.write(to: path)
        return path
    }

    @Test func ggufInGGUFOutMatchesTheModelWithBlocksSkipped() throws {
        let input = try Self.gguf()
        let original = try Checkpoint.open(input)
        let layers = original.config.text.numHiddenLayers
        try #require(layers >= 2)
        let out = TinyModel.temporaryFolder("gguf") + "/pruned.gguf"
        let summary = try BlockPruner.pruneGGUF(input: input, drop: [0], output: out)
        #expect(summary.keptLayers == layers - 1)
        let pruned = try Checkpoint.open(out)
        #expect(pruned.config.text.numHiddenLayers == layers - 1)
        let tokens = [1, 2, 3, 4, 5].map { $0 % original.config.text.vocabSize }
        let expected = try TinyModel.without(try original.loadDecoder(), drop: [0]).logits(tokens: tokens)
        #expect(try pruned.loadDecoder().logits(tokens: tokens) == expected)
        #expect(throws: CompressError.self) { try BlockPruner.pruneGGUF(input: input, drop: [0], output: out) }
        #expect(throws: CompressError.self) { try BlockPruner.pruneGGUF(input: input, drop: Array(0..<layers), output: out + "2") }
    }

    @Test func ggufInFolderOut() throws {
        let input = try Self.gguf()
        let out = TinyModel.temporaryFolder("gguf-hf") + "/model"
        try BlockPruner.prune(input: input, drop: [1], output: out)
        let original = try Checkpoint.open(input)
        let tokens = [1, 2, 3, 4].map { $0 % original.config.text.vocabSize }
        let expected = try TinyModel.without(try original.loadDecoder(), drop: [1]).logits(tokens: tokens)
        let got = try Checkpoint.open(out).loadDecoder().logits(tokens: tokens)
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }
}
