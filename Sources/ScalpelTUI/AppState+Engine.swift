extension AppState {
    /// Where `job` stands.
    func jobStatus(_ job: EngineJob) -> JobStatus {
        switch job {
        case .importance: layers.status
        case .run: run.status
        }
    }

    /// Writes the recipe for the current choices and asks for it to be launched.
    mutating func launchRun(effects: inout [Effect]) {
        guard let modelPath = context.modelPath, model.summary != nil else {
            notice = Notice("No model is open", kind: .error)
            return
        }
        guard !run.status.isRunning else {
            notice = Notice("A run is already running", kind: .warning)
            return
        }
        if layerCount > 0 && layers.marked.count >= layerCount {
            notice = Notice("Every block is marked to drop; unmark some on the Layers screen", kind: .error)
            return
        }
        launches += 1
        let base = model.summary.map { $0.name.split(separator: ".").first.map(String.init) ?? $0.name } ?? "model"
        let draft = RecipeDraft(
            name: "\(base)-wb\(launches)-drop\(layers.marked.count)-\(quant.quantizes ? "w\(quant.bits)" : "fp16")"
                + (backend == .swift ? "" : "-\(backend.rawValue)"),
            model: modelPath, calibration: layers.calibration ?? context.calibrationPath, dropped: layers.marked.sorted(),
            trainingData: context.trainingDataPath ?? layers.calibration, steps: steps, seqLen: context.seqLen, quant: quant,
            evaluation: context.evaluationPath, backend: backend)
        if quant.quantizes && quant.method != "rtn" && draft.calibration == nil {
            notice = Notice("\(quant.method.uppercased()) needs calibration data; choose RTN or compute importance first", kind: .error)
            return
        }
        run = RunProgress()
        run.log("launching \(draft.name) on the \(backend.rawValue) engine")
        effects.append(.startRun(draft))
    }

    /// Records that the child for `job` started.
    mutating func engineStarted(_ job: EngineJob, pid: Int32, log: String, recipe: String?) {
        switch job {
        case .importance:
            layers.clearScores()
            layers.status = .running(pid: pid)
            notice = Notice("Computing importance (engine pid \(pid))")
        case .run:
            run.status = .running(pid: pid)
            run.logPath = log
            run.recipePath = recipe
            if let recipe { run.log("recipe: \(recipe)") }
            run.log("engine pid \(pid); its messages go to \(log)")
            notice = Notice("Run started (engine pid \(pid))")
        }
    }

    /// Records that the child for `job` could not start.
    mutating func engineFailed(_ job: EngineJob, _ message: String) {
        switch job {
        case .importance: layers.status = .failed(message)
        case .run:
            run.status = .failed(message)
            run.log("error: \(message)")
        }
        notice = Notice(message, kind: .error)
    }

    /// Folds one output of the child for `job` in.
    mutating func engineOutput(_ job: EngineJob, _ output: EngineClient.Output, effects: inout [Effect]) {
        switch output {
        case .event(let event):
            switch job {
            case .importance:
                switch event.payload {
                case .importance(let layer, let criterion, let score, let tokenClass):
                    layers.record(layer: layer, criterion: criterion, score: score, tokenClass: tokenClass)
                case .error(let code, let message, _):
                    notice = Notice("importance: \(code): \(message)", kind: .error)
                default:
                    break
                }
            case .run:
                run.apply(event)
                if case .error(let code, let message, _) = event.payload {
                    notice = Notice("run: \(code): \(message)", kind: .error)
                }
            }
        case .malformed(let line, let reason):
            let shown = line.count > 60 ? String(line.prefix(60)) + "…" : line
            if job == .run { run.log("unreadable engine line: \(shown) (\(reason))") }
            notice = Notice("The engine wrote a line that is not an event: \(shown)", kind: .warning)
        case .exited(let exit):
            finish(job, exit, effects: &effects)
        }
    }

    /// Records how the child for `job` ended.
    private mutating func finish(_ job: EngineJob, _ exit: EngineExit, effects: inout [Effect]) {
        let status: JobStatus
        if exit.cancelled {
            status = .cancelled
        } else if exit.succeeded && (job == .importance || run.outcome == .completed) {
            status = .finished
        } else if exit.succeeded, let outcome = run.outcome {
            status = .failed("the run ended \(outcome.rawValue)")
        } else if exit.succeeded {
            status = .failed("the engine exited without finishing the run")
        } else {
            status = .failed("the engine \(exit.signal != nil ? "crashed" : "failed"): \(exit)")
        }
        switch job {
        case .importance:
            layers.status = status
            if case .finished = status, layers.criteria.isEmpty {
                layers.status = .failed("the engine finished without sending importance scores")
            }
        case .run:
            run.status = status
            run.log("engine \(exit)")
            effects.append(.loadRuns)
        }
        switch jobStatus(job) {
        case .finished:
            notice = Notice(job == .importance ? "Importance computed" : "Run finished", kind: .success)
        case .cancelled:
            notice = Notice(job == .importance ? "Importance cancelled" : "Run cancelled", kind: .warning)
        case .failed(let why):
            var message = "\(job == .importance ? "Importance" : "Run"): \(why)"
            if job == .run, let log = run.logPath { message += " (log: \(log))" }
            notice = Notice(message, kind: .error)
        case .idle, .running:
            break
        }
    }
}
