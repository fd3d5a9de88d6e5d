import ArgumentParser
import Foundation
import ScalpelEngine
import ScalpelFormats
import ScalpelTrain

/// `scalpel sft MODEL --data FILE --out DIR`: supervised fine-tuning with LoRA (default) or of
/// chosen parts, resumable, with the PEFT adapter in `DIR/adapter/` and, on request, a merged
/// checkpoint in `DIR/merged/`.
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Fine-tune a model on conversations or text (LoRA or full), resumable, PEFT adapter out.",
        discussion: """
        Data: LLaVA conversation JSON (loss on the assistant turns only; images for LLaVA models) or plain \
        UTF-8 text cut into --seq-len windows, tokenized with the model's tokenizer. DIR gets run.json, \
        checkpoints/step-N/, adapter/ (LoRA) and merged/ (--merge, always for --full). SIGINT/SIGTERM stop \
        after the current step with a checkpoint (exit 130/143); --resume continues.
        """)

    @Argument(help: "A Hugging Face model folder (LLaMA or LLaVA) or a GGUF file.")
    var model: String

    @Option(help: "Training data: LLaVA conversation JSON (.json) or UTF-8 text.")
    var data: String

    @Option(help: "Validation data (same formats).")
    var validation: String?

    @Option(help: "Hold out this share of --data for validation when --validation is not given.")
    var validationFraction: Double = 0

    @Option(help: "LoRA rank (default 8).")
    var loraR: Int?

    @Option(help: "LoRA alpha (default 16).")
    var loraAlpha: Double?

    @Option(help: "LoRA dropout (default 0).")
    var loraDropout: Double?

    @Flag(help: "rsLoRA scaling (alpha / √r).")
    var rslora = false

    @Option(help: "LoRA target modules: comma-separated suffixes (default q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj), or re:REGEX over whole module names.")
    var targets: String?

    @Flag(help: "Full fine-tuning of --parts instead of LoRA.")
    var full = false

    @Option(help: "With --full: comma-separated parts: decoder, blocks, blocks.N, blocks.A-B, embeddings, lm_head, norm, all.")
    var parts: String?

    @Option(help: "Optimizer steps.")
    var steps = 100

    @Option(help: "Sequences per micro-batch.")
    var batchSize = 4

    @Option(help: "Micro-batches per optimizer step.")
    var gradAccum = 1

    @Option(help: "Peak learning rate.")
    var lr: Float = 2e-4

    @Option(help: "Linear warmup steps (then cosine decay).")
    var warmup = 0

    @Option(help: "Floor of the cosine decay, as a fraction of --lr.")
    var minLrRatio: Float = 0

    @Option(help: "AdamW decoupled weight decay.")
    var weightDecay: Float = 0

    @Option(help: "Clip the global gradient norm (0: no clipping).")
    var maxGradNorm: Float = 1

    @Option(help: "Tokens per sequence.")
    var seqLen = 256

    @Option(help: "Validation loss every N steps and after the last (0: never).")
    var evalEvery = 0

    @Option(help: "Checkpoint every N steps (0: only at the end or when stopped).")
    var checkpointEvery = 20

    @Option(help: "Checkpoints kept (the newest).")
    var keepCheckpoints = 2

    @Option(help: "Seed of the data order, the validation split, LoRA initialisation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Chat format of conversations: llava1_5 or chatml (default: from the tokenizer or model type).")
    var chatFormat: String?

    @Flag(help: "Recompute each block's forward during backward (less memory, ~30% more time).")
    var recompute = false

    @Option(help: "The output folder (must be empty or absent unless --resume).")
    var out: String

    @Flag(help: "Continue the run in --out from its newest checkpoint.")
    var resume = false

    @Flag(help: "Also write DIR/merged/: a standard checkpoint with the adapter folded in.")
    var merge = false

    @Option(help: "Write JSON-lines protocol events to a file, or '-' for stdout.")
    var events: String?

    func validate() throws {
        let loraOptions = loraR != nil || loraAlpha != nil || loraDropout != nil || targets != nil || rslora
        if full && loraOptions { throw ValidationError("--full cannot be combined with the LoRA options (--lora-r, --lora-alpha, --lora-dropout, --targets, --rslora)") }
        if parts != nil && !full { throw ValidationError("--parts needs --full") }
        if validation != nil && validationFraction > 0 { throw ValidationError("give --validation or --validation-fraction, not both") }
    }

    /// The run's settings from the options.
    func runConfiguration() throws -> SFTRunConfiguration {
        let method: SFTRunConfiguration.Method
        if full {
            let list = (parts ?? "decoder").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            method = .full(parts: list.filter { !$0.isEmpty })
        } else {
            var lora = LoRAConfig(rank: loraR ?? 8, alpha: loraAlpha ?? 16, dropout: loraDropout ?? 0, useRSLoRA: rslora, seed: seed)
            if let targets {
                if targets.hasPrefix("re:") {
                    lora.targets = .regex(String(targets.dropFirst(3)))
                } else {
                    lora.targets = .suffixes(targets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
                }
            }
            method = .lora(lora)
        }
        return SFTRunConfiguration(
            model: model, data: data, validation: validation, validationFraction: validationFraction, output: out,
            method: method, steps: steps, batchSize: batchSize, gradAccum: gradAccum, learningRate: lr, warmup: warmup,
            minLearningRateRatio: minLrRatio, weightDecay: weightDecay, maxGradNorm: maxGradNorm > 0 ? maxGradNorm : nil,
            seqLen: seqLen, evalEvery: evalEvery, checkpointEvery: checkpointEvery, seed: seed, resume: resume,
            merge: merge, chatFormat: chatFormat, recompute: recompute, keepCheckpoints: keepCheckpoints)
    }

    func run() throws {
        let emitter = try events.map { path -> EventEmitter in
            let sink = try EventSinks.named(path)
            let stamp = Int(Date().timeIntervalSince1970)
            return EventEmitter(run: "sft-\(stamp)", sinks: [sink])
        }
        let reporter = Reporter(emitter: emitter, human: events != "-")
        emitter?.emit(.hello(engine: "scalpel", version: ScalpelEngineVersion.string, backend: "swift", capabilities: ["sft"]))

        let token = CancellationToken()
        let stop = SFTRunStopFlag()
        let received = ReceivedSignal()
        let trap = SignalTrap(token: token) { sig in
            received.set(sig)
            stop.requestStop()
        }
        defer { withExtendedLifetime(trap) {} }

        let result: SFTRunResult
        do {
            let run = try SFTRun(try runConfiguration())
            result = try run.run(observer: reporter.observer(), stop: stop)
        } catch {
            reporter.failed(error)
            throw error
        }
        reporter.finished(result)
        if result.status == .cancelled {
            let sig = received.value ?? SIGINT
            throw ExitCode(128 + sig)
        }
    }
}

extension SFTCommand {
    /// The signal that stopped the run (set from the signal queue, read after the run returns).
    final class ReceivedSignal: @unchecked Sendable {
        private let lock = NSLock()
        private var sig: Int32?
        func set(_ s: Int32) { lock.withLock { if sig == nil { sig = s } } }
        var value: Int32? { lock.withLock { sig } }
    }
}

extension SFTCommand {
    /// Turns the run's callbacks into protocol events (`--events`) and human progress lines.
    final class Reporter {
        let emitter: EventEmitter?
        let human: Bool
        static let stages = ["load", "train", "export"]
        private var stage: String?
        private var firstStep: (step: Int, time: Double)?
        private var lastLoss: Float?

        init(emitter: EventEmitter?, human: Bool) {
            self.emitter = emitter
            self.human = human
        }

        private func say(_ line: String) {
            guard human else { return }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }

        private func endStage(_ state: StageState) {
            guard let stage else { return }
            emitter?.emit(.stage(name: stage, index: Self.stages.firstIndex(of: stage) ?? 0, count: Self.stages.count, state: state))
            self.stage = nil
        }

        func observer() -> SFTRunObserver {
            SFTRunObserver(
                stage: { [self] name, message in
                    endStage(.completed)
                    stage = name
                    emitter?.emit(.stage(name: name, index: Self.stages.firstIndex(of: name) ?? 0, count: Self.stages.count, state: .started))
                    emitter?.emit(.log(level: .info, message: message))
                    say("[\(name)] \(message)")
                },
                step: { [self] r in
                    lastLoss = r.loss
                    let now = SFTCommand.Reporter.clock()
                    if firstStep == nil { firstStep = (r.step - 1, now - r.seconds) }
                    emitter?.emit(.loss(step: r.step, loss: Double(r.loss), lr: Double(r.learningRate), tokensPerSecond: r.tokensPerSecond))
                    let memory = emitter?.emitMemory() ?? nil
                    guard human else { return }
                    let done = r.step - firstStep!.step
                    let perStep = (now - firstStep!.time) / Double(max(done, 1))
                    let eta = perStep * Double(r.totalSteps - r.step)
                    let rss = memory.flatMap { event -> Int? in
                        if case .memory(let rss, _, _) = event.payload { return rss }
                        return nil
                    } ?? ProcessMemory.sample().resident
                    say(String(format: "step %d/%d  loss %@  lr %.3e  %.0f tok/s  ETA %@  RSS %@",
                               r.step, r.totalSteps, "\(r.loss)", Double(r.learningRate), r.tokensPerSecond,
                               Self.duration(eta), Self.bytes(rss)))
                },
                validation: { [self] step, loss in
                    emitter?.emit(.metric(name: "loss", value: Double(loss), split: "val", step: step))
                    say("validation loss \(loss) at step \(step)")
                },
                checkpoint: { [self] step, path in
                    emitter?.emit(.log(level: .info, message: "checkpoint at step \(step): \(path)"))
                    say("checkpoint at step \(step): \(path)")
                },
                progress: { [self] done, total in
                    var rate: Double?
                    if let first = firstStep, done > first.step {
                        let seconds = SFTCommand.Reporter.clock() - first.time
                        if seconds > 0 { rate = Double(done - first.step) / seconds }
                    }
                    emitter?.emit(.progress(stage: "train", done: done, total: total, unit: "step", rate: rate))
                },
                artifact: { [self] kind, path in
                    emitter?.emit(.artifact(kind: kind, path: path, bytes: RunFolder.bytes(at: path)))
                    say("\(kind): \(path)")
                })
        }

        func finished(_ result: SFTRunResult) {
            endStage(result.status == .completed ? .completed : .cancelled)
            var summary: [String: JSONValue] = ["step": .int(result.step), "status": .string(result.status.rawValue)]
            if let loss = result.loss ?? lastLoss { summary["loss"] = .double(Double(loss)) }
            if let v = result.validationLoss { summary["val_loss"] = .double(Double(v)) }
            if let c = result.checkpoint { summary["checkpoint"] = .string(c) }
            if let a = result.adapter { summary["adapter"] = .string(a) }
            if let m = result.merged { summary["merged"] = .string(m) }
            emitter?.emitMemory()
            emitter?.emit(.done(status: result.status == .completed ? .completed : .cancelled, summary: .object(summary)))
            if let loss = result.loss ?? lastLoss {
                say("\(result.status == .completed ? "finished" : "stopped") at step \(result.step), final loss \(loss)")
            } else {
                say("\(result.status == .completed ? "finished" : "stopped") at step \(result.step)")
            }
            if result.status == .cancelled { say("resume with --resume") }
        }

        func failed(_ error: Error) {
            emitter?.emit(.error(code: "sft_failed", message: "\(error)", hint: nil))
            endStage(.failed)
            emitter?.emit(.done(status: .failed, summary: .object([:])))
        }

        static func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

        static func duration(_ s: Double) -> String {
            guard s.isFinite else { return "?" }
            let t = Int(s.rounded())
            return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t / 60 % 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
        }

        static func bytes(_ b: Int) -> String {
            b >= 1 << 30 ? String(format: "%.2f GiB", Double(b) / Double(1 << 30)) : String(format: "%.0f MiB", Double(b) / Double(1 << 20))
        }
    }
}
