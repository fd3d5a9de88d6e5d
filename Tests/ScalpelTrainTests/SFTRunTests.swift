import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Whole runs through `SFTRun` on a tiny model folder (random weights, the byte-level BPE fixture as
/// tokenizer): stop and resume repeat an uninterrupted run bit for bit, outputs land where promised,
/// and bad input fails with a message naming the problem.
@Suite("SFT runs")
struct SFTRunTests {
    static let text: String = {
        let url = Bundle.module.url(forResource: "Fixtures/bpe-trainer/corpus", withExtension: "txt")!
        return String(repeating: (try? String(contentsOf: url, encoding: .utf8)) ?? "", count: 3)
    }()

    /// A scratch folder removed by the caller.
    static func scratch() -> String {
        let path = NSTemporaryDirectory() + "scalpel-sft-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A LLaMA folder: config.json, model.safetensors (f32, `seed`), tokenizer.json (vocabulary 400).
    static func modelFolder(in root: String, tokenizer: Bool = true, seed: UInt64 = 5) throws -> String {
        let dir = root + "/model"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let c = TrainSupport.config(vocab: 400, hidden: 16, intermediate: 32, layers: 2, heads: 4, kvHeads: 2)
        let model = TrainSupport.randomModel(c, seed: seed, spread: 0.2)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        let names = LlamaTensorNames.llama
        try writer.add(names.embedTokens, floats: model.embedTokens.array, shape: [400, 16])
        let shapes = TrainableDecoder.blockShapes(c)
        for (i, block) in model.blocks.enumerated() {
            for (suffix, buffer) in block.named { try writer.add(names.layer(i, suffix), floats: buffer.array, shape: shapes[suffix]!) }
        }
        try writer.add(names.finalNorm, floats: model.finalNorm.array, shape: [16])
        try writer.add(names.head, floats: model.lmHead.array, shape: [400, 16])
        try writer.write(to: dir + "/model.safetensors")
        try AtomicFile.write("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 400, "hidden_size": 16,
             "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "head_dim": 4, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 256,
             "tie_word_embeddings": false, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 398}
            """, to: dir + "/config.json")
        if tokenizer {
            let source = Bundle.module.url(forResource: "Fixtures/bpe-trainer/gpt2-full", withExtension: "json")!
            try FileManager.default.copyItem(atPath: source.path, toPath: dir + "/tokenizer.json")
        }
        return dir
    }

    static func dataFile(in root: String, _ text: String = SFTRunTests.text, name: String = "train.txt") throws -> String {
        let path = root + "/" + name
        try AtomicFile.write(text, to: path)
        return path
    }

    /// Step losses, validation losses and the result of a run.
    final class Record {
        var losses: [Int: Float] = [:]
        var validation: [Int: Float] = [:]
        var checkpoints: [Int] = []
        var artifacts: [String: String] = [:]
        var stages: [String] = []
        var progress: [Int] = []
    }

    static func observe(_ record: Record, stopAfter: Int? = nil, stop: SFTRunStopFlag? = nil) -> SFTRunObserver {
        SFTRunObserver(
            stage: { name, _ in record.stages.append(name) },
            step: { r in
                record.losses[r.step] = r.loss
                if let stopAfter, r.step == stopAfter { stop?.requestStop() }
            },
            validation: { step, loss in record.validation[step] = loss },
            checkpoint: { step, _ in record.checkpoints.append(step) },
            progress: { done, _ in record.progress.append(done) },
            artifact: { kind, path in record.artifacts[kind] = path })
    }

    static func config(model: String, data: String, out: String, method: SFTRunConfiguration.Method? = nil,
                       steps: Int = 8, resume: Bool = false, merge: Bool = false) -> SFTRunConfiguration {
        SFTRunConfiguration(model: model, data: data, validationFraction: 0.15, output: out,
                            method: method ?? .lora(LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, seed: 3)),
                            steps: steps, batchSize: 2, gradAccum: 2, learningRate: 1e-2, warmup: 2,
                            minLearningRateRatio: 0.1, weightDecay: 0.01, seqLen: 24, evalEvery: 3,
                            checkpointEvery: 2, seed: 9, resume: resume, merge: merge)
    }

    @Test("LoRA: stopped after step 3 and resumed, every later loss equals the uninterrupted run's exactly")
    func stopAndResumeLoRA() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = try Self.modelFolder(in: root), data = try Self.dataFile(in: root)

        let whole = Record()
        let full = try SFTRun(Self.config(model: model, data: data, out: root + "/a")).run(observer: Self.observe(whole))
        #expect(full.status == .completed && full.step == 8)
        #expect(whole.losses.count == 8 && whole.losses[8]! < whole.losses[1]!, "\(whole.losses)")
        #expect(whole.validation.keys.sorted() == [3, 6, 8])
        #expect(whole.checkpoints == [2, 4, 6, 8])
        #expect(whole.stages == ["load", "train", "export"])
        #expect(whole.progress == Array(0...8))
        #expect(full.adapter == root + "/a/adapter" && full.merged == nil)
        #expect(FileManager.default.fileExists(atPath: root + "/a/adapter/adapter_model.safetensors"))
        // Only the newest two checkpoints stay.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/a/checkpoints").sorted() == ["step-000006", "step-000008"])

        let first = Record(), stop = SFTRunStopFlag()
        let cut = try SFTRun(Self.config(model: model, data: data, out: root + "/b")).run(observer: Self.observe(first, stopAfter: 3, stop: stop), stop: stop)
        #expect(cut.status == .cancelled && cut.step == 3 && cut.adapter == nil)
        #expect(first.checkpoints == [2, 3])
        #expect(!FileManager.default.fileExists(atPath: root + "/b/adapter"))

        let second = Record()
        let rest = try SFTRun(Self.config(model: model, data: data, out: root + "/b", resume: true)).run(observer: Self.observe(second))
        #expect(rest.status == .completed && rest.step == 8)
        #expect(second.progress.first == 3)
        #expect(second.losses.keys.sorted() == Array(4...8))
        for step in 1...8 {
            #expect((first.losses[step] ?? second.losses[step]) == whole.losses[step], "step \(step)")
        }
        #expect(second.validation[6] == whole.validation[6] && second.validation[8] == whole.validation[8])
        #expect(rest.loss == full.loss && rest.validationLoss == full.validationLoss)
        let a = try SafetensorsFile(path: root + "/a/adapter/adapter_model.safetensors")
        let b = try SafetensorsFile(path: root + "/b/adapter/adapter_model.safetensors")
        for name in a.tensorNames { #expect(try a.floats(name) == b.floats(name), "\(name)") }

        // Resuming a finished run only writes the outputs again.
        let again = try SFTRun(Self.config(model: model, data: data, out: root + "/b", resume: true)).run()
        #expect(again.status == .completed && again.step == 8 && again.loss == nil)
    }

    @Test("full fine-tuning of blocks 1 and the head: resumed run equals the uninterrupted one, merged folder loads and matches")
    func stopAndResumeFull() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = try Self.modelFolder(in: root), data = try Self.dataFile(in: root)
        let method = SFTRunConfiguration.Method.full(parts: ["blocks.1", "lm_head", "norm"])
        let whole = Record()
        let a = try SFTRun(Self.config(model: model, data: data, out: root + "/a", method: method, steps: 5)).run(observer: Self.observe(whole))
        #expect(a.merged == root + "/a/merged" && a.adapter == nil)

        let stop = SFTRunStopFlag(), first = Record(), second = Record()
        _ = try SFTRun(Self.config(model: model, data: data, out: root + "/b", method: method, steps: 5)).run(observer: Self.observe(first, stopAfter: 1, stop: stop), stop: stop)
        _ = try SFTRun(Self.config(model: model, data: data, out: root + "/b", method: method, steps: 5, resume: true)).run(observer: Self.observe(second))
        for step in 1...5 { #expect((first.losses[step] ?? second.losses[step]) == whole.losses[step], "step \(step)") }

        // The merged folder: tokenizer copied, untouched tensors byte-identical, trained ones changed.
        let merged = try Checkpoint.open(root + "/a/merged")
        #expect(FileManager.default.fileExists(atPath: root + "/a/merged/tokenizer.json"))
        let base = try SafetensorsFile(path: model + "/model.safetensors")
        let out = try SafetensorsFile(path: root + "/a/merged/model.safetensors")
        #expect(Set(out.tensorNames) == Set(base.tensorNames))
        #expect(try out.floats("model.layers.0.self_attn.q_proj.weight") == base.floats("model.layers.0.self_attn.q_proj.weight"))
        #expect(try out.floats("model.embed_tokens.weight") == base.floats("model.embed_tokens.weight"))
        #expect(try out.floats("model.layers.1.mlp.down_proj.weight") != base.floats("model.layers.1.mlp.down_proj.weight"))
        #expect(try out.floats("lm_head.weight") != base.floats("lm_head.weight"))
        _ = try merged.loadDecoder()
    }

    @Test("bad input fails with a message naming the problem")
    func badInput() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = try Self.modelFolder(in: root), data = try Self.dataFile(in: root)
        func message(_ config: SFTRunConfiguration) -> String {
            do { _ = try SFTRun(config).run(); return "no error" } catch { return "\(error)" }
        }
        var c = Self.config(model: model, data: data, out: root + "/x")
        c.steps = 0
        #expect(message(c).contains("steps must be at least 1"))
        c = Self.config(model: model, data: data, out: root + "/x", method: .lora(LoRAConfig(targets: .suffixes(["nope_proj"]))))
        #expect(message(c).contains("match none"))
        c = Self.config(model: model, data: data, out: root + "/x", method: .full(parts: ["blocks.7"]))
        #expect(message(c).contains("has 2 blocks"))
        c = Self.config(model: model, data: data, out: root + "/x", method: .full(parts: ["vision_tower"]))
        #expect(message(c).contains("not supported"))

        let bare = try Self.modelFolder(in: root + "/bare", tokenizer: false)
        #expect(message(Self.config(model: bare, data: data, out: root + "/y")).contains("no tokenizer.json"))

        let short = try Self.dataFile(in: root, "a few words", name: "short.txt")
        #expect(message(Self.config(model: model, data: short, out: root + "/z1")).contains("shorter than one window"))
        let noAnswer = try Self.dataFile(in: root, #"[{"conversations": [{"from": "human", "value": "hi"}]}]"#, name: "q.json")
        var chat = Self.config(model: model, data: noAnswer, out: root + "/z2")
        chat.chatFormat = "chatml"
        #expect(message(chat).contains("no sample has a token to train on"))

        try FileManager.default.createDirectory(atPath: root + "/full", withIntermediateDirectories: true)
        try AtomicFile.write("x", to: root + "/full/file")
        #expect(message(Self.config(model: model, data: data, out: root + "/full")).contains("not empty"))

        // A resume must use the settings the run started with.
        _ = try SFTRun(Self.config(model: model, data: data, out: root + "/r", steps: 2)).run()
        var other = Self.config(model: model, data: data, out: root + "/r", steps: 2, resume: true)
        other.batchSize = 3
        #expect(message(other).contains("batch_size"))
    }
}
