import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Writes what `make_lora_fixtures.py --check-export DIR` needs to confirm that PEFT loads Scalpel's
/// adapter: ten LoRA steps on the fixture, the exported adapter, and the merged model's logits.
/// Runs only with `SCALPEL_LORA_EXPORT=DIR` in the environment.
@Suite("PEFT export check")
struct ExportCheckTests {
    static let directory = ProcessInfo.processInfo.environment["SCALPEL_LORA_EXPORT"]

    @Test("trained adapter exported for the PEFT check", .enabled(if: directory != nil))
    func exportForPEFT() throws {
        let dir = try #require(Self.directory)
        let r = try ReferenceTrainingTests.reference()
        let model = try Checkpoint.open(ReferenceTrainingTests.folder).loadDecoder()
        let d = try TrainableDecoder(model: model, lora: LoRAConfig(rank: r.rank, alpha: r.alpha, targets: .suffixes(r.targets)))
        try PEFTAdapter.load(into: d, from: ReferenceTrainingTests.folder + "/adapter")
        let batch = ReferenceTrainingTests.batch(r)
        let trainer = try SFTTrainer(decoder: d, options: ReferenceTrainingTests.options(r))
        for _ in 0..<r.steps { _ = try trainer.step([batch]) }
        try PEFTAdapter.write(d, to: dir + "/adapter")
        let adapted = try d.logits(batch)
        d.mergeAdapters()
        let merged = try d.logits(batch)
        #expect(ReferenceTrainingTests.gap(merged, adapted) < 1e-5)
        let json = "{\"merged_logits\": [" + merged.map { "\($0)" }.joined(separator: ", ") + "]}\n"
        try AtomicFile.write(json, to: dir + "/scalpel_logits.json")
    }
}
