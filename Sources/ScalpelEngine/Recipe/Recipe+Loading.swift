import Foundation
import ScalpelCompress
import ScalpelModels
import ScalpelTrain
import Yams

extension Recipe {
    /// The keys allowed in each section, in the order `yamlText()` writes them.
    enum Keys {
        static let root = ["name", "backend", "remote", "seed", "model", "calibration", "importance", "prune", "sft",
                           "quantize", "eval", "baseline", "export", "torch"]
        /// The torch backend's own settings (read by `scalpel-torch`; checked here only for spelling).
        static let torch = ["processes", "launcher", "strategy", "device", "dtype", "lora_init", "init_adapter", "python"]
        static let calibration = ["domain", "general", "samples", "seq_len"]
        static let importance = ["criteria", "lambda", "base"]
        static let prune = ["drop", "count", "criterion"]
        static let sft = ["data", "validation", "method", "lora", "full", "steps", "batch_size", "grad_accum", "lr", "warmup",
                          "weight_decay", "max_grad_norm", "seq_len", "eval_every", "checkpoint_every"]
        static let lora = ["r", "alpha", "dropout", "rslora", "targets"]
        static let full = ["parts"]
        static let quantize = ["method", "bits", "group_size", "symmetric", "keep_fp16", "samples", "act_order"]
        static let evaluation = ["name", "data", "metrics", "limit"]
        static let export = ["formats"]
        /// The section each key belongs to (the first, for keys several sections share), for the hint on a
        /// key written in the wrong place.
        static let home: [String: String] = {
            var map: [String: String] = [:]
            let sections = [("", root), ("calibration", calibration), ("importance", importance), ("prune", prune), ("sft", sft),
                            ("sft.lora", lora), ("sft.full", full), ("quantize", quantize), ("eval entries", evaluation),
                            ("export", export), ("torch", torch)]
            for (section, keys) in sections {
                for k in keys where map[k] == nil { map[k] = section.isEmpty ? "the top level" : section }
            }
            return map
        }()
        /// What `quantize.keep_fp16` may name.
        static let keepFP16 = ["embed_tokens", "lm_head", "vision_tower", "projector"]
    }

    /// Reads, checks and resolves the recipe at `path`.
    ///
    /// Every problem is collected before failing: YAML syntax (the parser stops at the first), unknown
    /// keys, wrong types, values out of range, missing files, unknown names and inconsistent settings;
    /// then, when `checkModel` is set and the model can be opened, the checks of `validate(against:)`.
    /// - Throws: `RecipeError` with every diagnostic, sorted by line and column.
    public static func load(path: String, checkModel: Bool = true) throws -> Recipe {
        let (recipe, diagnostics) = check(path: path, checkModel: checkModel)
        guard let recipe, diagnostics.isEmpty else { throw RecipeError(diagnostics: diagnostics) }
        return recipe
    }

    /// Reads `text` as a recipe file at `path` (which places relative paths and names the file in
    /// diagnostics). Like `load(path:checkModel:)`, but from text already read.
    public static func load(text: String, path: String, checkModel: Bool = true) throws -> Recipe {
        let (recipe, diagnostics) = check(text: text, path: path, checkModel: checkModel)
        guard let recipe, diagnostics.isEmpty else { throw RecipeError(diagnostics: diagnostics) }
        return recipe
    }

    /// Every problem of the recipe at `path`, and the recipe as far as it could be read (nil when the
    /// file cannot be read or is not YAML).
    public static func check(path: String, checkModel: Bool = true) -> (recipe: Recipe?, diagnostics: [RecipeDiagnostic]) {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        guard exists, !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
            let problem = !exists ? "no such file" : (isFolder.boolValue ? "is a folder, not a recipe file" : "cannot read the recipe")
            return (nil, [RecipeDiagnostic(file: path, line: 0, column: 0, message: problem)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [RecipeDiagnostic(file: path, line: 0, column: 0, message: "the recipe is not UTF-8 text")])
        }
        return check(text: text, path: path, checkModel: checkModel)
    }

    /// `check(path:checkModel:)` on text already read.
    public static func check(text: String, path: String, checkModel: Bool = true) -> (recipe: Recipe?, diagnostics: [RecipeDiagnostic]) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (nil, [syntaxDiagnostic(error, file: path)])
        } catch {
            return (nil, [RecipeDiagnostic(file: path, line: 0, column: 0, message: "\(error)")])
        }
        guard let node else {
            return (nil, [RecipeDiagnostic(file: path, line: 1, column: 1, message: "the recipe is empty", hint: "it needs at least 'model:'")])
        }
        let reader = RecipeReader(file: path, folder: absolute.deletingLastPathComponent())
        var recipe = read(node, reader: reader, stem: absolute.deletingPathExtension().lastPathComponent)
        recipe.path = absolute.path
        var diagnostics = reader.diagnostics
        recipe.locations = reader.locations
        recipe.locations.invalid = reader.invalid
        if checkModel, !reader.invalid.contains("model"), !recipe.model.isEmpty {
            do {
                let checkpoint = try Checkpoint.open(recipe.model)
                diagnostics += recipe.validate(against: checkpoint)
            } catch {
                diagnostics.append(recipe.diagnostic(at: "model", "cannot read the model: \(error)"))
            }
        }
        return (recipe, sorted(diagnostics))
    }

    static func sorted(_ d: [RecipeDiagnostic]) -> [RecipeDiagnostic] {
        d.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
    }

    static func syntaxDiagnostic(_ error: YamlError, file: String) -> RecipeDiagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let hint = context.map { "\($0.text) at \($0.mark.line):\($0.mark.column)" }
            return RecipeDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)", hint: hint)
        case let .duplicatedKeysInMapping(duplicates, context):
            return RecipeDiagnostic(file: file, line: context.mark.line, column: context.mark.column,
                                    message: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))",
                                    hint: "first written here, then again in the same section; keep one")
        case let .reader(problem, offset, _, yaml):
            var line = 0, column = 0
            if let offset {
                let prefix = yaml.unicodeScalars.prefix(offset)
                line = prefix.filter { $0 == "\n" }.count + 1
                column = prefix.reversed().prefix { $0 != "\n" }.count + 1
            }
            return RecipeDiagnostic(file: file, line: line, column: column, message: "YAML: \(problem)")
        default:
            return RecipeDiagnostic(file: file, line: 0, column: 0, message: "YAML: \(error)")
        }
    }

    /// A diagnostic at the value of `path` (or its nearest enclosing key).
    func diagnostic(at path: String, _ message: String, hint: String? = nil) -> RecipeDiagnostic {
        let l = locations.value(path)
        return RecipeDiagnostic(file: diagnosticFile, line: l?.line ?? 1, column: l?.column ?? 1,
                                message: message, hint: hint)
    }

    /// The file name diagnostics carry (as the recipe was named when loaded).
    var diagnosticFile: String { locations.file ?? path }

    // MARK: Sections

    static func read(_ node: Node, reader r: RecipeReader, stem: String) -> Recipe {
        r.locations.file = r.file
        var recipe = Recipe(name: stem, model: "")
        if let l = RecipeReader.location(node) { r.locations.values[""] = l }
        guard let root = r.mapping(node, path: "", allowed: Keys.root) else { return recipe }
        if let n = root["name"], let name = r.text(n, path: "name") {
            if name.isEmpty || name.contains(where: { !($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
                r.markInvalid("name")
                r.report(n, "name '\(name)' cannot name a run folder", hint: "use letters, digits, '.', '_' and '-'")
            } else {
                recipe.name = name
            }
        }
        if let n = root["backend"], let b: Backend = r.choice(n, path: "backend", what: "backend") { recipe.backend = b }
        if let n = root["remote"], let host = r.text(n, path: "remote") {
            if host.isEmpty || host.contains(where: \.isWhitespace) {
                r.markInvalid("remote")
                r.report(n, "remote '\(host)' is not a host", hint: "user@host, as ssh takes it")
            } else {
                recipe.remote = host
            }
        }
        if let n = root["torch"], r.mapping(n, path: "torch", allowed: Keys.torch) != nil {
            recipe.torchSettings = TorchSettings(text: (try? Yams.serialize(node: n)) ?? "")
        }
        if let n = root["seed"], let s = r.int(n, path: "seed", range: 0...Int.max) { recipe.seed = UInt64(s) }
        if let n = root["model"] {
            recipe.model = r.filePath(n, path: "model") ?? ""
        } else {
            r.markInvalid("model")
            r.report(RecipeReader.location(node), "missing key 'model'", hint: "the Hugging Face folder or .gguf file to compress")
        }
        if let n = root["calibration"] { recipe.calibration = readCalibration(n, r) }
        if let n = root["importance"] { recipe.importance = readImportance(n, r) }
        if let n = root["prune"] { recipe.prune = readPrune(n, r) }
        if let n = root["sft"] { recipe.sft = readSFT(n, r) }
        if let n = root["quantize"] { recipe.quantize = readQuantize(n, r) }
        if let n = root["eval"] { recipe.evaluations = readEvaluations(n, r) }
        if let n = root["baseline"], let b = r.bool(n, path: "baseline") { recipe.baseline = b }
        if let n = root["export"] { recipe.export = readExport(n, r) }
        crossCheck(&recipe, r)
        return recipe
    }

    static func readCalibration(_ node: Node, _ r: RecipeReader) -> Calibration? {
        guard let m = r.mapping(node, path: "calibration", allowed: Keys.calibration) else { return nil }
        var c = Calibration(domain: "")
        if let n = m["domain"] {
            c.domain = r.filePath(n, path: "calibration.domain") ?? ""
        } else {
            r.markInvalid("calibration.domain")
            r.report(RecipeReader.location(node), "missing key 'domain' in calibration", hint: "the domain text or LLaVA conversation JSON")
        }
        if let n = m["general"] { c.general = r.filePath(n, path: "calibration.general") }
        if let n = m["samples"], let v = r.int(n, path: "calibration.samples", range: 1...Int.max) { c.samples = v }
        if let n = m["seq_len"], let v = r.int(n, path: "calibration.seq_len", range: 8...Int.max) { c.seqLen = v }
        return c
    }

    static func criterionList(_ node: Node, path: String, _ r: RecipeReader) -> [BlockCriterion]? {
        guard let items = r.list(node, path: path, of: "criterion names") else { return nil }
        var result: [BlockCriterion] = []
        for (n, p) in items {
            if let c: BlockCriterion = r.choice(n, path: p, what: "criterion"), !result.contains(c) { result.append(c) }
        }
        return result
    }

    static func readImportance(_ node: Node, _ r: RecipeReader) -> Importance? {
        guard let m = r.mapping(node, path: "importance", allowed: Keys.importance) else { return nil }
        var i = Importance(criteria: [])
        if let n = m["criteria"], let list = criterionList(n, path: "importance.criteria", r) {
            i.criteria = list
            if case .sequence(let s) = n, s.isEmpty { r.report(n, "importance.criteria is empty", hint: "name at least one criterion") }
        }
        if let n = m["lambda"], let v = r.double(n, path: "importance.lambda", minimum: 0) { i.lambda = v }
        if let n = m["base"], let v: BlockCriterion = r.choice(n, path: "importance.base", what: "domain_contrast base",
                                                              among: [.blockInfluence, .looPPL]) { i.base = v }
        return i
    }

    static func readPrune(_ node: Node, _ r: RecipeReader) -> Prune? {
        guard let m = r.mapping(node, path: "prune", allowed: Keys.prune) else { return nil }
        var drop: [Int]?
        var count: Int?
        var criterion: BlockCriterion?
        if let n = m["drop"], let items = r.list(n, path: "prune.drop", of: "block indices") {
            var blocks: [Int] = []
            for (element, p) in items {
                guard let i = r.int(element, path: p, range: 0...Int.max) else { continue }
                r.place(String(i), in: "prune.drop", at: element, elementPath: p)
                if blocks.contains(i) {
                    r.markInvalid(p)
                    r.report(element, "block \(i) is listed twice in prune.drop")
                } else {
                    blocks.append(i)
                }
            }
            drop = blocks
        }
        if let n = m["count"] { count = r.int(n, path: "prune.count", range: 1...Int.max) }
        if let n = m["criterion"] { criterion = r.choice(n, path: "prune.criterion", what: "criterion") }
        let hasDrop = m["drop"] != nil, hasCount = m["count"] != nil
        if hasDrop && hasCount {
            r.markInvalid("prune.count")
            r.report(RecipeReader.location(m["count"]!), "prune has both 'drop' and 'count'",
                     hint: "list the blocks to drop, or give a count and a criterion, not both")
            return drop.map { Prune(selection: .blocks($0)) }
        }
        if !hasDrop && !hasCount {
            r.markInvalid("prune")
            r.report(RecipeReader.location(node), "prune needs 'drop' (block indices) or 'count' with 'criterion'")
            return nil
        }
        if hasDrop {
            if let c = m["criterion"] {
                r.report(c, "prune.criterion applies only with prune.count", hint: "remove it, or replace 'drop' by 'count'")
            }
            return drop.map { Prune(selection: .blocks($0)) }
        }
        guard m["criterion"] != nil else {
            r.markInvalid("prune")
            r.report(RecipeReader.location(m["count"]!), "prune.count needs prune.criterion",
                     hint: "the criterion whose lowest-scoring blocks are dropped, e.g. block_influence")
            return nil
        }
        guard let count, let criterion else { return nil }
        return Prune(selection: .count(count, criterion: criterion))
    }

    static func readSFT(_ node: Node, _ r: RecipeReader) -> SFT? {
        guard let m = r.mapping(node, path: "sft", allowed: Keys.sft) else { return nil }
        var s = SFT(data: "")
        if let n = m["data"] {
            s.data = r.filePath(n, path: "sft.data") ?? ""
        } else {
            r.markInvalid("sft.data")
            r.report(RecipeReader.location(node), "missing key 'data' in sft", hint: "the training conversations (LLaVA JSON) or text")
        }
        if let n = m["validation"] { s.validation = r.filePath(n, path: "sft.validation") }
        if let n = m["method"], let v: SFT.Method = r.choice(n, path: "sft.method", what: "sft method") { s.method = v }
        if let n = m["lora"], let l = r.mapping(n, path: "sft.lora", allowed: Keys.lora) {
            if let n = l["r"], let v = r.int(n, path: "sft.lora.r", range: 1...Int.max) { s.lora.rank = v }
            if let n = l["alpha"], let v = r.double(n, path: "sft.lora.alpha", minimum: 0, exclusive: true) { s.lora.alpha = v }
            if let n = l["dropout"], let v = r.double(n, path: "sft.lora.dropout", minimum: 0, below: 1) { s.lora.dropout = v }
            if let n = l["rslora"], let v = r.bool(n, path: "sft.lora.rslora") { s.lora.rsLoRA = v }
            if let n = l["targets"], let t = readTargets(n, r) { s.lora.targets = t }
        }
        if let n = m["full"], let f = r.mapping(n, path: "sft.full", allowed: Keys.full), let pn = f["parts"],
           let items = r.list(pn, path: "sft.full.parts", of: "part names") {
            var parts: [SFT.Full.Part] = []
            for (e, p) in items {
                guard let part: SFT.Full.Part = r.choice(e, path: p, what: "part") else { continue }
                // What the trainer accepts today (it names the parts it cannot train yet).
                do { _ = try SFTRun.fullFineTuning(parts: [part.rawValue], layers: nil) } catch {
                    r.markInvalid(p)
                    r.report(e, "sft.full.parts '\(part.rawValue)': \(error)")
                }
                r.place(part.rawValue, in: "sft.full.parts", at: e, elementPath: p)
                if !parts.contains(part) { parts.append(part) }
            }
            s.full.parts = parts
        }
        if let n = m["steps"], let v = r.int(n, path: "sft.steps", range: 1...Int.max) { s.steps = v }
        if let n = m["batch_size"], let v = r.int(n, path: "sft.batch_size", range: 1...Int.max) { s.batchSize = v }
        if let n = m["grad_accum"], let v = r.int(n, path: "sft.grad_accum", range: 1...Int.max) { s.gradAccum = v }
        if let n = m["lr"], let v = r.double(n, path: "sft.lr", minimum: 0, exclusive: true) { s.learningRate = v }
        if let n = m["warmup"], let v = r.int(n, path: "sft.warmup", range: 0...Int.max) { s.warmup = v }
        if let n = m["weight_decay"], let v = r.double(n, path: "sft.weight_decay", minimum: 0) { s.weightDecay = v }
        if let n = m["max_grad_norm"], let v = r.double(n, path: "sft.max_grad_norm", minimum: 0) { s.maxGradNorm = v > 0 ? v : nil }
        if let n = m["seq_len"], let v = r.int(n, path: "sft.seq_len", range: 8...Int.max) { s.seqLen = v }
        if let n = m["eval_every"], let v = r.int(n, path: "sft.eval_every", range: 0...Int.max) { s.evalEvery = v }
        if let n = m["checkpoint_every"], let v = r.int(n, path: "sft.checkpoint_every", range: 1...Int.max) { s.checkpointEvery = v }
        if s.warmup >= s.steps, !r.invalid.contains("sft.warmup"), !r.invalid.contains("sft.steps"), m["warmup"] != nil {
            r.markInvalid("sft.warmup")
            r.report(RecipeReader.location(m["warmup"]!), "sft.warmup (\(s.warmup)) must be less than sft.steps (\(s.steps))")
        }
        if s.method == .full, m["full"] == nil, m["lora"] != nil {
            r.report(RecipeReader.location(m["lora"]!), "sft.lora is set but sft.method is full", hint: "set method: lora, or remove the lora section")
        }
        if s.evalEvery > 0, s.validation == nil, !r.invalid.contains("sft.validation"), let n = m["eval_every"] {
            r.report(n, "sft.eval_every needs sft.validation", hint: "add validation data, or set eval_every: 0")
        }
        return s
    }

    /// A list of module names (PEFT's `target_modules` list) or one string, taken as a regular expression
    /// matching whole module names.
    static func readTargets(_ node: Node, _ r: RecipeReader) -> LoRATargets? {
        let path = "sft.lora.targets"
        if case .scalar = node, let pattern = r.text(node, path: path) {
            do {
                _ = try NSRegularExpression(pattern: "^(?:" + pattern + ")$")
                return .regex(pattern)
            } catch {
                r.markInvalid(path)
                r.report(node, "sft.lora.targets '\(pattern)' is not a valid regular expression")
                return nil
            }
        }
        guard let items = r.list(node, path: path, of: "module names (or one regular expression)") else { return nil }
        var names: [String] = []
        for (e, p) in items {
            guard let t = r.text(e, path: p, expected: "a module name") else { continue }
            r.place(t, in: path, at: e, elementPath: p)
            if !names.contains(t) { names.append(t) }
        }
        if names.isEmpty, items.isEmpty {
            r.markInvalid(path)
            r.report(node, "sft.lora.targets is empty", hint: "e.g. [q_proj, k_proj, v_proj, o_proj]")
            return nil
        }
        return .suffixes(names)
    }

    static func readQuantize(_ node: Node, _ r: RecipeReader) -> Quantize? {
        guard let m = r.mapping(node, path: "quantize", allowed: Keys.quantize) else { return nil }
        var q = Quantize()
        if let n = m["method"], let v: QuantMethod = r.choice(n, path: "quantize.method", what: "quantization method") { q.method = v }
        if let n = m["bits"], let v = r.int(n, path: "quantize.bits") {
            if QuantScheme.supportedBits.contains(v) {
                q.scheme.bits = v
            } else {
                r.markInvalid("quantize.bits")
                r.report(n, "quantize.bits \(v) is not supported", hint: "choose 2, 3, 4 or 8")
            }
        }
        if let n = m["group_size"], let v = r.int(n, path: "quantize.group_size") {
            if v == 0 {
                q.scheme.groupSize = nil
            } else if QuantScheme.supportedGroups.contains(v) {
                q.scheme.groupSize = v
            } else {
                r.markInvalid("quantize.group_size")
                r.report(n, "quantize.group_size \(v) is not supported", hint: "choose 32, 64, 128, or 0 for one group per row")
            }
        }
        if let n = m["symmetric"], let v = r.bool(n, path: "quantize.symmetric") { q.scheme.symmetric = v }
        if let n = m["keep_fp16"], let items = r.list(n, path: "quantize.keep_fp16", of: "part names") {
            var keep: [String] = []
            for (e, p) in items {
                guard let name = r.text(e, path: p, expected: "a part name") else { continue }
                if Keys.keepFP16.contains(name) {
                    if !keep.contains(name) { keep.append(name) }
                } else {
                    r.markInvalid(p)
                    let near = closestMatch(to: name, among: Keys.keepFP16)
                    r.report(e, "unknown part '\(name)' in quantize.keep_fp16",
                             hint: near.map { "did you mean '\($0)'?" } ?? "choose from \(Keys.keepFP16.joined(separator: ", "))")
                }
            }
            q.keepFP16 = keep
        }
        if let n = m["samples"], let v = r.int(n, path: "quantize.samples", range: 1...Int.max) { q.samples = v }
        if let n = m["act_order"], let v = r.bool(n, path: "quantize.act_order") {
            q.actOrder = v
            if v, q.method != .gptq, !r.invalid.contains("quantize.method") {
                r.report(n, "quantize.act_order applies to gptq only", hint: "set method: gptq, or remove act_order")
            }
        }
        return q
    }

    static func readEvaluations(_ node: Node, _ r: RecipeReader) -> [Evaluation] {
        guard let items = r.list(node, path: "eval", of: "evaluations", hint: "each entry is {name, data, metrics, limit}, written '- data: FILE'") else { return [] }
        var result: [Evaluation] = []
        for (element, p) in items {
            guard let m = r.mapping(element, path: p, allowed: Keys.evaluation) else { continue }
            var e = Evaluation(name: "", data: "")
            if let n = m["data"] {
                e.data = r.filePath(n, path: p + ".data") ?? ""
            } else {
                r.markInvalid(p + ".data")
                r.report(RecipeReader.location(element), "missing key 'data' in \(p)")
            }
            if let n = m["name"], let v = r.text(n, path: p + ".name") {
                e.name = v
            } else {
                e.name = URL(fileURLWithPath: e.data).deletingPathExtension().lastPathComponent
            }
            if result.contains(where: { $0.name == e.name }), !e.name.isEmpty {
                r.report(m["name"].flatMap(RecipeReader.location) ?? RecipeReader.location(element),
                         "two evaluations are named '\(e.name)'", hint: "give each a distinct name")
            }
            if let n = m["metrics"], let list = r.list(n, path: p + ".metrics", of: "metric names") {
                var metrics: [Evaluation.Metric] = []
                for (mn, mp) in list {
                    if let v: Evaluation.Metric = r.choice(mn, path: mp, what: "metric"), !metrics.contains(v) { metrics.append(v) }
                }
                e.metrics = metrics
            }
            if let n = m["limit"] { e.limit = r.int(n, path: p + ".limit", range: 1...Int.max) }
            result.append(e)
        }
        return result
    }

    static func readExport(_ node: Node, _ r: RecipeReader) -> Export? {
        guard let m = r.mapping(node, path: "export", allowed: Keys.export) else { return nil }
        var x = Export()
        if let n = m["formats"], let items = r.list(n, path: "export.formats", of: "format names") {
            var formats: [ExportFormat] = []
            for (e, p) in items {
                guard let f: ExportFormat = r.choice(e, path: p, what: "export format", among: [.hf, .awq, .gguf]) else { continue }
                r.place(f.rawValue, in: "export.formats", at: e, elementPath: p)
                if !formats.contains(f) { formats.append(f) }
            }
            x.formats = formats
        }
        return x
    }

    // MARK: Between sections

    /// Checks that need several sections: the data each stage needs, and the criterion a count selects by.
    static func crossCheck(_ recipe: inout Recipe, _ r: RecipeReader) {
        if case .count(_, let criterion)? = recipe.prune?.selection {
            var importance = recipe.importance ?? Importance(criteria: [])
            if !importance.criteria.contains(criterion) { importance.criteria.append(criterion) }
            recipe.importance = importance
        }
        let locations = r.locations
        func place(_ path: String) -> RecipeLocations.Location? { locations.key(path) }
        if recipe.importance != nil, recipe.calibration == nil, !r.invalid.contains("calibration") {
            let at = locations.keys["importance"] == nil ? "prune.count" : "importance"
            r.report(place(at), "\(at) needs calibration data to score blocks", hint: "add calibration: {domain: FILE}")
        }
        let contrast = recipe.importance?.criteria.contains(.domainContrast) ?? false
        if contrast, let c = recipe.calibration, c.general == nil, !r.invalid.contains("calibration") {
            r.report(place("calibration"), "domain_contrast needs calibration.general", hint: "general-domain text to contrast against")
        }
        checkExport(recipe, r)
        if let q = recipe.quantize, q.method.needsCalibration, recipe.calibration == nil, !r.invalid.contains("quantize.method") {
            r.report(locations.value("quantize.method") ?? place("quantize"), "quantize method \(q.method.rawValue) needs calibration data",
                     hint: "add calibration: {domain: FILE}, or use method: rtn")
        }
    }

    /// Whether each export format can hold the quantization chosen (or the lack of one).
    static func checkExport(_ recipe: Recipe, _ r: RecipeReader) {
        guard let formats = recipe.export?.formats else { return }
        let at = { (f: ExportFormat) in r.locations.value("export.formats[=\(f.rawValue)]") }
        let bitsKnown = !r.invalid.contains("quantize.bits"), groupKnown = !r.invalid.contains("quantize.group_size")
        for f in formats where f != .hf {
            guard let q = recipe.quantize else {
                r.markInvalid("export.formats[=\(f.rawValue)]")
                r.report(at(f), "export format \(f.rawValue) needs quantized weights, but the recipe has no quantize section",
                         hint: "add quantize: {method: rtn, bits: 4\(f == .gguf ? ", group_size: 32" : "")}, or export hf")
                continue
            }
            let bits = q.scheme.bits
            switch f {
            case .awq:
                if bitsKnown, bits != 4 {
                    r.markInvalid("export.formats[=awq]")
                    r.report(at(f), "export format awq holds 4-bit weights only; quantize.bits is \(bits)",
                             hint: "set bits: 4, or export gguf or hf")
                }
            case .gguf:
                if bitsKnown, bits != 4 && bits != 8 {
                    r.markInvalid("export.formats[=gguf]")
                    r.report(at(f), "export format gguf holds 4-bit (Q4_0/Q4_1) or 8-bit (Q8_0) weights; quantize.bits is \(bits)",
                             hint: "set bits: 4 or 8, or export hf")
                } else if groupKnown, q.scheme.groupSize != 32 {
                    r.markInvalid("export.formats[=gguf]")
                    r.report(at(f), "export format gguf stores groups of 32 weights; quantize.group_size is \(q.scheme.groupSize.map(String.init) ?? "0 (per channel)")",
                             hint: "set group_size: 32, or export awq or hf")
                } else if bitsKnown, bits == 8, !q.scheme.symmetric {
                    r.markInvalid("export.formats[=gguf]")
                    r.report(at(f), "export format gguf stores 8 bits as Q8_0, which is symmetric; quantize.symmetric is false",
                             hint: "set symmetric: true")
                }
            case .hf:
                break
            }
        }
    }
}
