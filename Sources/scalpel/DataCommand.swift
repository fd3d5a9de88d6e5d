import ArgumentParser
import Foundation
import ScalpelData
import ScalpelFormats

/// `scalpel data ...`: generated datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate datasets.",
        subcommands: [SynthDermCommand.self, ScoreCommand.self, DataTokenizerCommand.self]
    )
}

/// `scalpel data synthderm --out DIR --count N --seed S [--train-count M] [--size 64|96|128]`.
struct SynthDermCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthderm",
        abstract: "Write SynthDerm-VQA: synthetic dermoscopy-like images with ABCD-rule questions (not patient data).",
        discussion: """
        Writes DIR/train.json, DIR/val.json, DIR/test.json (LLaVA conversation JSON), \
        DIR/images/*.png, DIR/labels.json (ground truth) and DIR/README.md. The same seed gives the \
        same files.
        """
    )

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: "Images in each of the val and test splits.")
    var count: Int

    @Option(help: "Random seed (an unsigned 64-bit integer).")
    var seed: UInt64

    @Option(help: "Images in the train split (default 10 × count).")
    var trainCount: Int?

    @Option(help: "Image side in pixels: 64, 96 or 128.")
    var size: Int = 96

    @Option(help: "Also write a contact sheet PNG here (test-split samples, one row per verdict).")
    var sheet: String?

    @Option(help: "Contact sheet: images per row.")
    var sheetColumns: Int = 8

    @Option(help: "Contact sheet: enlargement of each image (nearest neighbour).")
    var sheetZoom: Int = 2

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out must name a folder") }
        if !(1...64).contains(sheetColumns) { throw ValidationError("--sheet-columns must be between 1 and 64") }
        if !(1...8).contains(sheetZoom) { throw ValidationError("--sheet-zoom must be between 1 and 8") }
        do {
            try SynthDerm.Options(seed: seed, count: count, trainCount: trainCount, size: size).validate()
        } catch let error as FormatError {
            throw ValidationError(error.problem)
        }
    }

    func run() throws {
        let options = SynthDerm.Options(seed: seed, count: count, trainCount: trainCount, size: size)
        var lastReported = -1
        try SynthDerm.write(to: out, options: options) { split, done, total in
            guard !quiet else { return }
            let percent = total == 0 ? 100 : done * 100 / total
            if done == total || percent / 10 != lastReported {
                lastReported = percent / 10
                print("\(split.rawValue): \(done)/\(total)")
            }
        }
        if let sheet {
            try SynthDerm.contactSheet(seed: seed, size: size, columns: sheetColumns, zoom: sheetZoom).writePNG(to: sheet)
            if !quiet { print("wrote \(sheet)") }
        }
        if !quiet {
            print("wrote \(out)/{train,val,test}.json, labels.json, README.md and \(options.trainCount + 2 * options.count) images")
        }
    }
}

/// `scalpel data score --data FILE --predictions FILE [--json]`: exact-match accuracy of answers.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score predicted answers against a conversation JSON file (exact match after normalisation).",
        discussion: """
        Predictions are a JSON object {"question id": "answer", ...} or JSON lines with question_id (or id)
        and text (or answer). Answers are compared after lower-casing, dropping punctuation and reading
        number words as digits; list answers are compared as sets. Missing predictions count as wrong.
        """
    )

    @Option(help: "LLaVA conversation JSON with the reference answers (e.g. DIR/test.json).")
    var data: String

    @Option(help: "The predictions file.")
    var predictions: String

    @Flag(help: "Print {accuracy, n, majority, per_type: {type: {accuracy, n, majority}}, missing} as JSON.")
    var json = false

    func run() throws {
        guard let dataBytes = FileManager.default.contents(atPath: data) else { throw ValidationError("cannot read \(data)") }
        guard let predictionBytes = FileManager.default.contents(atPath: predictions) else {
            throw ValidationError("cannot read \(predictions)")
        }
        let report: VQAEvaluation.Report
        do {
            let items = try VQAEvaluation.items(conversationJSON: dataBytes, file: data)
            report = VQAEvaluation.score(items: items, predictions: try VQAEvaluation.predictions(predictionBytes, file: predictions))
        } catch let error as EvaluationError {
            throw ValidationError(error.description)
        }
        if json {
            var perType: [String: Any] = [:]
            for (type, s) in report.perType { perType[type] = ["accuracy": s.accuracy, "n": s.n, "majority": s.majority] }
            try JSONOutput.print(["accuracy": report.accuracy, "n": report.n, "majority": report.majority,
                                  "per_type": perType, "missing": report.missing.count])
            return
        }
        func percent(_ x: Double) -> String { String(format: "%5.1f%%", 100 * x) }
        print("type            n   accuracy   majority")
        for type in report.perType.keys.sorted() {
            let s = report.perType[type]!
            print(type.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%5d", s.n)
                  + "     " + percent(s.accuracy) + "     " + percent(s.majority))
        }
        print("overall       " + String(format: "%5d", report.n) + "     " + percent(report.accuracy) + "     " + percent(report.majority))
        if !report.missing.isEmpty { print("\(report.missing.count) questions had no prediction (counted wrong)") }
    }
}
