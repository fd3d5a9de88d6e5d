import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelEngine

@Suite struct RunKeepFP16Tests {
    /// The quantize stage's model: the token embeddings as written.
    private func embeddings(_ runner: PipelineRunner) throws -> [Float] {
        let source = try WeightSources.open(runner.folder.path + "/04-quantize/model")
        let name = try #require(source.tensorNames.first { $0.hasSuffix("embed_tokens.weight") })
        return try source.floats(name)
    }

    @Test("keep_fp16 reaches the quantizer: parts left out are rounded with the blocks' scheme, kept ones are not")
    func keepFP16IsHonoured() throws {
        let fixture = try RunFixture()
        defer { fixture.remove() }
        let kept = try PipelineRunner.create(recipe: try fixture.load(fixture.recipe(name: "kept", steps: 2)), store: fixture.store)
        #expect(kept.run() == .completed)
        let rounded = fixture.recipe(name: "rounded", steps: 2)
            .replacingOccurrences(of: "  group_size: 32\n", with: "  group_size: 32\n  keep_fp16: [vision_tower, projector]\n")
        let quantized = try PipelineRunner.create(recipe: try fixture.load(rounded), store: fixture.store)
        #expect(quantized.run() == .completed)
        let a = try embeddings(kept), b = try embeddings(quantized)
        #expect(a.count == b.count && !a.isEmpty)
        // 4-bit groups of 32: at most 16 distinct values per group once rounded; fp16 keeps far more.
        func distinctPerGroup(_ x: [Float]) -> Int {
            stride(from: 0, to: x.count, by: 32).map { Set(x[$0..<min($0 + 32, x.count)]).count }.max() ?? 0
        }
        #expect(distinctPerGroup(b) <= 16)
        #expect(distinctPerGroup(a) > 16)
    }
}
