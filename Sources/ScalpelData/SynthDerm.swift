/// SynthDerm-VQA: a synthetic, clearly-labelled dermoscopy-like visual question answering benchmark.
///
/// Every image is drawn from known parameters (the ABCD rule of dermoscopy: asymmetry, border, colours,
/// differential structures), so every answer is exact. Nothing here is patient data.
public enum SynthDerm {
    /// Image sides the generator supports.
    public static let sizes = [64, 96, 128]

    /// Colours of the ABCD rule, in canonical order (answers list them in this order).
    public enum Colour: String, CaseIterable, Codable, Sendable, Comparable {
        case lightBrown = "light brown"
        case darkBrown = "dark brown"
        case black = "black"
        case red = "red"
        case blueGrey = "blue-grey"
        case white = "white"

        public static func < (a: Colour, b: Colour) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Differential structures of the ABCD rule, in canonical order.
    public enum Structure: String, CaseIterable, Codable, Sendable, Comparable {
        case pigmentNetwork = "pigment network"
        case structureless = "structureless areas"
        case branchedStreaks = "branched streaks"
        case dots = "dots"
        case globules = "globules"

        public static func < (a: Structure, b: Structure) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// The verdict from the total dermoscopy score.
    public enum Verdict: String, CaseIterable, Codable, Sendable {
        case benign = "benign"
        case suspicious = "suspicious"
        case highlySuspicious = "highly suspicious"
    }

    /// Total dermoscopy score in tenths: 10 × (1.3·A + 0.1·B + 0.5·C + 0.5·D) = 13A + B + 5C + 5D.
    public static func tdsTenths(asymmetry a: Int, border b: Int, colours c: Int, structures d: Int) -> Int {
        13 * a + b + 5 * c + 5 * d
    }

    /// Published cut-offs 4.75 and 5.45, i.e. 47.5 and 54.5 tenths: an integer score in tenths never
    /// sits on a boundary. Below 4.75 benign, 4.75–5.45 suspicious, above 5.45 highly suspicious.
    public static func verdict(tdsTenths t: Int) -> Verdict {
        // 2t against 95 and 109 keeps the comparison in integers.
        if 2 * t < 95 { return .benign }
        if 2 * t < 109 { return .suspicious }
        return .highlySuspicious
    }

    /// The ground truth of one image.
    public struct Labels: Codable, Equatable, Sendable {
        /// A: axes (of two perpendicular ones) across which shape and colour layout are asymmetric, 0–2.
        public var asymmetry: Int
        /// B: for each of the eight 45° border segments (segment 0 centred on the right, then
        /// counter-clockwise as seen on screen), whether the pigment stops abruptly there.
        public var abruptSegments: [Bool]
        /// C: colours present, canonical order.
        public var colours: [Colour]
        /// D: differential structures present, canonical order.
        public var structures: [Structure]
        /// Dark hairs drawn over the image (distractors; not part of the score).
        public var hairs: Int
        /// Largest diameter of the lesion in pixels (clinical; not part of the score).
        public var diameterPixels: Int

        public var border: Int { abruptSegments.filter { $0 }.count }
        public var tdsTenths: Int {
            SynthDerm.tdsTenths(asymmetry: asymmetry, border: border, colours: colours.count, structures: structures.count)
        }
        public var verdict: Verdict { SynthDerm.verdict(tdsTenths: tdsTenths) }
        /// The score as text with one decimal, e.g. "4.7".
        public var tdsText: String { "\(tdsTenths / 10).\(tdsTenths % 10)" }
    }

    /// Draws labels whose verdict is `target`: A, B, C and D uniformly among the combinations in that
    /// class (rejection sampling), then which border segments, colours and structures uniformly.
    /// Without structureless areas at least one structure that fills the lesion body (network, dots
    /// or globules) is present, so a plain body always means "structureless". Structures are drawn in
    /// the lesion's own colours, so a one-colour lesion (C = 1) is plain: D = 1, structureless areas.
    public static func sampleLabels(verdict target: Verdict, rng: inout SplitMix64) -> (a: Int, b: Int, c: Int, d: Int) {
        while true {
            let a = rng.int(0...2), b = rng.int(0...8), c = rng.int(1...6), d = rng.int(1...5)
            if c == 1 && d != 1 { continue }
            if verdict(tdsTenths: tdsTenths(asymmetry: a, border: b, colours: c, structures: d)) == target {
                return (a, b, c, d)
            }
        }
    }

    static func sampleStructures(count d: Int, colours c: Int, rng: inout SplitMix64) -> [Structure] {
        if c == 1 { return [.structureless] }
        while true {
            let set = Array(rng.shuffled(Structure.allCases).prefix(d)).sorted()
            let fills = set.contains(.pigmentNetwork) || set.contains(.dots) || set.contains(.globules)
            if set.contains(.structureless) || fills { return set }
        }
    }
}
