import ArgumentParser
import ScalpelData
import ScalpelFormats

/// `scalpel data ...`: generated datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate datasets.",
        subcommands: [SynthDermCommand.self]
    )
}

/// `scalpel data synthderm --out DIR --count N --seed S [--train-count M] [--size 64|96|128]`.
struct SynthDermCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthderm",
        abstract: "Write SynthDerm-VQA: synthetic dermoscopy-like images with ABCD-rule questions (not patient data).",
        discussion: """
        Writes DIR/train.json, DIR/val.json, DIR/test.json (LLaVA conversation JSON), DIR/images/*.png,
        DIR/labels.json (ground truth) and DIR/README.md. The same seed gives the same files.
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

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out must name a folder") }
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
            try SynthDerm.contactSheet(seed: seed, size: size).writePNG(to: sheet)
            if !quiet { print("wrote \(sheet)") }
        }
        if !quiet {
            print("wrote \(out)/{train,val,test}.json, labels.json, README.md and \(options.trainCount + 2 * options.count) images")
        }
    }
}
