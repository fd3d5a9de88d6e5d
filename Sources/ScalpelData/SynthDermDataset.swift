import Foundation
import ScalpelFormats

extension SynthDerm {
    /// Question types, with the canonical (closed-form) answer for a sample's labels.
    public enum QuestionType: String, CaseIterable, Codable, Sendable {
        case asymmetry, border
        case colourCount = "colour_count"
        case colours, structures, verdict

        /// Phrasings; each sample picks one at random.
        public var phrasings: [String] {
            switch self {
            case .asymmetry: return [
                "Across how many of its two perpendicular axes is this lesion asymmetric? Answer 0, 1 or 2.",
                "In how many axes (0, 1 or 2) is the lesion asymmetric in shape and colour?",
                "Count the axes of asymmetry of this lesion: 0, 1 or 2.",
            ]
            case .border: return [
                "In how many of the 8 border segments does the pigment end abruptly? Answer with a number from 0 to 8.",
                "How many of the eight 45-degree border segments show an abrupt cut-off? Answer 0 to 8.",
                "Count the border segments (out of 8) where the lesion has a sharp, abrupt edge.",
            ]
            case .colourCount: return [
                "How many colours does this lesion show? Answer with a number from 1 to 6.",
                "Count the dermoscopic colours present in the lesion (light brown, dark brown, black, red, blue-grey, white).",
                "How many different colours are in the lesion?",
            ]
            case .colours: return [
                "Which colours are present in the lesion? Choose from light brown, dark brown, black, red, blue-grey and white.",
                "List the colours of this lesion (light brown, dark brown, black, red, blue-grey, white).",
                "Name every colour you see in the lesion, from: light brown, dark brown, black, red, blue-grey, white.",
            ]
            case .structures: return [
                "Which differential structures are present? Choose from pigment network, structureless areas, branched streaks, dots and globules.",
                "List the dermoscopic structures in this lesion (pigment network, structureless areas, branched streaks, dots, globules).",
                "Name the structures you see in the lesion, from: pigment network, structureless areas, branched streaks, dots, globules.",
            ]
            case .verdict: return [
                "By the ABCD rule of dermoscopy, is this lesion benign, suspicious or highly suspicious?",
                "Using the total dermoscopy score, classify the lesion as benign, suspicious or highly suspicious.",
                "What is the ABCD-rule verdict for this lesion: benign, suspicious or highly suspicious?",
            ]
            }
        }

        public func answer(_ l: Labels) -> String {
            switch self {
            case .asymmetry: return String(l.asymmetry)
            case .border: return String(l.border)
            case .colourCount: return String(l.colours.count)
            case .colours: return l.colours.sorted().map(\.rawValue).joined(separator: ", ")
            case .structures: return l.structures.sorted().map(\.rawValue).joined(separator: ", ")
            case .verdict: return l.verdict.rawValue
            }
        }
    }

    /// One generated image with its labels.
    public struct Sample: Sendable {
        public var labels: Labels
        public var image: RGBImage
        /// Index of the phrasing used for each question type.
        public var phrasing: [QuestionType: Int]
    }

    /// Generates sample `index` of stream `split` for `seed`. Samples are independent of each other,
    /// so the first k samples do not depend on how many are asked for. The verdict cycles through the
    /// three classes (index mod 3) so the classes are balanced.
    public static func sample(seed: UInt64, split: Split, index: Int, size: Int) -> Sample {
        sample(seed: seed, split: split, index: index, size: size, render: true)
    }

    /// The labels of a sample, without drawing its image (the same labels `sample` gives).
    public static func labels(seed: UInt64, split: Split, index: Int, size: Int) -> Labels {
        sample(seed: seed, split: split, index: index, size: size, render: false).labels
    }

    static func sample(seed: UInt64, split: Split, index: Int, size: Int, render: Bool) -> Sample {
        precondition(sizes.contains(size), "size must be one of \(sizes)")
        var rng = SplitMix64(seed: SplitMix64.derive(seed, split.streamKey, UInt64(index)))
        let target = Verdict.allCases[index % 3]
        let (a, b, c, d) = sampleLabels(verdict: target, rng: &rng)
        let segments = Set(rng.shuffled(Array(0..<8)).prefix(b))
        let colours = Array(rng.shuffled(Colour.allCases).prefix(c)).sorted()
        let structures = sampleStructures(count: d, colours: c, rng: &rng)
        let hairs = rng.chance(0.4) ? rng.int(1...3) : 0
        let geometry = SynthDermRenderer.geometry(size: size, asymmetry: a, rng: &rng)
        let skin = SynthDermRenderer.skinTones[rng.below(SynthDermRenderer.skinTones.count)]
        let labels = Labels(asymmetry: a, abruptSegments: (0..<8).map { segments.contains($0) }, colours: colours,
                            structures: structures, hairs: hairs, diameterPixels: SynthDermRenderer.diameter(geometry))
        var phrasing: [QuestionType: Int] = [:]
        for q in QuestionType.allCases { phrasing[q] = rng.below(q.phrasings.count) }
        let image = render
            ? SynthDermRenderer.render(labels: labels, geometry: geometry, size: size, skin: skin, rng: &rng)
            : RGBImage(width: 1, height: 1, filledWith: RGBColor(red: 0, green: 0, blue: 0))
        return Sample(labels: labels, image: image, phrasing: phrasing)
    }

    public enum Split: String, CaseIterable, Codable, Sendable {
        case train, val, test
        var streamKey: UInt64 {
            switch self { case .train: return 1; case .val: return 2; case .test: return 3 }
        }
    }

    /// One turn of a LLaVA conversation.
    public struct Turn: Codable, Equatable, Sendable {
        public var from: String
        public var value: String
    }

    /// One LLaVA conversation record; `type` names the question type (an extra key LLaVA ignores).
    public struct Record: Codable, Equatable, Sendable {
        public var id: String
        public var image: String
        public var type: QuestionType
        public var conversations: [Turn]

        /// The question text without the image token.
        public var question: String { conversations.first?.value.replacingOccurrences(of: "<image>\n", with: "") ?? "" }
        /// The reference answer.
        public var answer: String { conversations.count > 1 ? conversations[1].value : "" }
    }

    /// Ground truth for one image, as written to labels.json.
    public struct LabelRecord: Codable, Equatable, Sendable {
        public var image: String
        public var split: Split
        public var asymmetry: Int
        public var border: Int
        public var abruptSegments: [Bool]
        public var colours: [Colour]
        public var structures: [Structure]
        public var tdsTenths: Int
        public var tds: String
        public var verdict: Verdict
        public var hairs: Int
        public var diameterPixels: Int

        enum CodingKeys: String, CodingKey {
            case image, split, asymmetry, border, colours, structures, tds, verdict, hairs
            case abruptSegments = "abrupt_segments", tdsTenths = "tds_tenths", diameterPixels = "diameter_px"
        }

        public var labels: Labels {
            Labels(asymmetry: asymmetry, abruptSegments: abruptSegments, colours: colours, structures: structures,
                   hairs: hairs, diameterPixels: diameterPixels)
        }
    }

    static func imageName(split: Split, index: Int) -> String {
        let digits = String(index)
        return "images/\(split.rawValue)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits).png"
    }

    /// The conversation records of one sample: one per question type.
    public static func records(for sample: Sample, split: Split, index: Int) -> [Record] {
        let image = imageName(split: split, index: index)
        let stem = String(image.dropFirst("images/".count).dropLast(".png".count))
        return QuestionType.allCases.map { q in
            Record(id: "\(stem)-\(q.rawValue)", image: image, type: q, conversations: [
                Turn(from: "human", value: "<image>\n" + q.phrasings[sample.phrasing[q] ?? 0]),
                Turn(from: "gpt", value: q.answer(sample.labels)),
            ])
        }
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public struct Options: Sendable {
        public var seed: UInt64
        public var count: Int
        public var trainCount: Int
        public var size: Int
        public init(seed: UInt64, count: Int, trainCount: Int? = nil, size: Int = 96) {
            self.seed = seed
            self.count = count
            self.trainCount = trainCount ?? 10 * count
            self.size = size
        }

        public func validate() throws {
            guard SynthDerm.sizes.contains(size) else {
                throw FormatError(file: "synthderm", "--size must be 64, 96 or 128 (got \(size))")
            }
            guard count >= 1, count <= 1_000_000 else {
                throw FormatError(file: "synthderm", "--count must be between 1 and 1000000 (got \(count))")
            }
            guard trainCount >= 0, trainCount <= 1_000_000 else {
                throw FormatError(file: "synthderm", "--train-count must be between 0 and 1000000 (got \(trainCount))")
            }
        }
    }

    /// Writes a dataset to `folder`: train/val/test.json, labels.json, README.md and images/.
    /// Every file is written atomically. `progress` is called after each image.
    public static func write(to folder: String, options: Options,
                             progress: (Split, Int, Int) -> Void = { _, _, _ in }) throws {
        try options.validate()
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
        var labelRecords: [LabelRecord] = []
        for split in Split.allCases {
            let n = split == .train ? options.trainCount : options.count
            var records: [Record] = []
            for i in 0..<n {
                let s = sample(seed: options.seed, split: split, index: i, size: options.size)
                let name = imageName(split: split, index: i)
                try s.image.writePNG(to: folder + "/" + name)
                records += Self.records(for: s, split: split, index: i)
                let l = s.labels
                labelRecords.append(LabelRecord(
                    image: name, split: split, asymmetry: l.asymmetry, border: l.border, abruptSegments: l.abruptSegments,
                    colours: l.colours, structures: l.structures, tdsTenths: l.tdsTenths, tds: l.tdsText,
                    verdict: l.verdict, hairs: l.hairs, diameterPixels: l.diameterPixels))
                progress(split, i + 1, n)
            }
            try AtomicFile.write(Array(try encoder().encode(records)) + [10], to: "\(folder)/\(split.rawValue).json")
        }
        try AtomicFile.write(Array(try encoder().encode(labelRecords)) + [10], to: folder + "/labels.json")
        try AtomicFile.write(readme(options: options), to: folder + "/README.md")
    }

    public static func readme(options: Options) -> String {
        """
        # SynthDerm-VQA (synthetic)

        **Every image here is synthetic.** They were drawn by `scalpel data synthderm` from random
        parameters; none is a photograph, and nothing comes from a patient. The pictures imitate the look
        of dermoscopy only so that a vision-language model has a task with exact answers; they must not be
        used to learn, test or claim anything about real skin lesions.

        Regenerate with:

            scalpel data synthderm --out DIR --count \(options.count) --seed \(options.seed) --train-count \(options.trainCount) --size \(options.size)

        ## Layout

        - `train.json` (\(options.trainCount) images), `val.json` and `test.json` (\(options.count) images each):
          LLaVA conversation JSON, one record per (image, question type): `id`, `image` (relative to
          the JSON file), `type`, `conversations` ([human question with `<image>`, gpt answer]).
        - `images/*.png`: \(options.size)×\(options.size) RGB.
        - `labels.json`: the ground-truth parameters of every image.

        ## Labels (the ABCD rule of dermoscopy)

        - **A, asymmetry** (0–2): the number of the lesion's two perpendicular axes across which its
          outline and colour layout are not mirror-symmetric. 0: an ellipse with concentric colour bands;
          1: a pear shape with bands shifted towards one end; 2: a lumpy outline with bands shifted obliquely.
        - **B, border** (0–8): the image is divided into eight 45° segments around the lesion centre
          (segment 0 centred on the right, then counter-clockwise); B counts those where the pigment
          stops abruptly (a crisp edge). Elsewhere the lesion fades gradually into the skin.
          `abrupt_segments` lists the segments.
        - **C, colours** (1–6): concentric bands of light brown, dark brown, black, red, blue-grey and
          white (white is always lighter than the surrounding skin). A one-colour lesion is plain
          (its only structure is "structureless areas").
        - **D, differential structures** (1–5): pigment network (a fine dark grid), structureless areas
          (a plain central zone with no structures, or a plain lesion), branched streaks (forked lines
          crossing the border), dots (tiny points) and globules (larger round blobs). Structures are
          drawn in colours the lesion already has (or a lighter shade of its only colour), so they do
          not change C.
        - **TDS** = 1.3·A + 0.1·B + 0.5·C + 0.5·D, computed exactly in tenths (`tds_tenths` = 13A + B +
          5C + 5D). **Verdict**: benign below 4.75, suspicious from 4.75 to 5.45, highly suspicious above
          5.45; a score in tenths never falls on a cut-off. The verdict cycles through the three classes,
          so each split is balanced.
        - Hairs (`hairs`) are distractors; `diameter_px` is the lesion's largest diameter (clinical, not
          part of the score).

        ## Answers

        Answers are closed-form: a single number for asymmetry, border and colour_count; the names
        from the lists above, comma-separated in the order given there, for colours and structures;
        `benign`, `suspicious` or `highly suspicious` for the verdict.
        """ + "\n"
    }
}
