import Foundation
import Testing
import ScalpelFormats
@testable import ScalpelData

/// A fresh folder under the system temporary directory, removed by the caller.
func temporaryFolder(_ tag: String) -> String {
    let path = NSTemporaryDirectory() + "synthderm-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite struct SynthDermLabelTests {
    /// (A, B, C, D, tenths, verdict), worked by hand: 13A + B + 5C + 5D against 47.5 and 54.5.
    static let table: [(Int, Int, Int, Int, Int, SynthDerm.Verdict)] = [
        (0, 0, 1, 1, 10, .benign),             // 0 + 0 + 0.5 + 0.5 = 1.0
        (1, 0, 3, 3, 43, .benign),             // 1.3 + 1.5 + 1.5 = 4.3
        (1, 4, 3, 2, 42, .benign),             // 1.3 + 0.4 + 1.5 + 1.0 = 4.2
        (0, 7, 4, 4, 47, .benign),             // 0.7 + 2 + 2 = 4.7, just below 4.75
        (0, 8, 4, 4, 48, .suspicious),         // 4.8, just above 4.75
        (2, 3, 2, 2, 49, .suspicious),         // 2.6 + 0.3 + 1 + 1 = 4.9
        (1, 1, 4, 4, 54, .suspicious),         // 1.3 + 0.1 + 2 + 2 = 5.4, just below 5.45
        (1, 2, 4, 4, 55, .highlySuspicious),   // 5.5, just above 5.45
        (2, 0, 3, 3, 56, .highlySuspicious),   // 2.6 + 1.5 + 1.5 = 5.6
        (2, 8, 6, 5, 89, .highlySuspicious),   // the maximum: 2.6 + 0.8 + 3 + 2.5 = 8.9
    ]

    @Test func handWorkedScores() {
        for (a, b, c, d, tenths, verdict) in Self.table {
            let t = SynthDerm.tdsTenths(asymmetry: a, border: b, colours: c, structures: d)
            #expect(t == tenths, "A\(a) B\(b) C\(c) D\(d)")
            #expect(SynthDerm.verdict(tdsTenths: t) == verdict, "A\(a) B\(b) C\(c) D\(d)")
        }
    }

    @Test func cutOffsInTenths() {
        #expect(SynthDerm.verdict(tdsTenths: 47) == .benign)
        #expect(SynthDerm.verdict(tdsTenths: 48) == .suspicious)
        #expect(SynthDerm.verdict(tdsTenths: 54) == .suspicious)
        #expect(SynthDerm.verdict(tdsTenths: 55) == .highlySuspicious)
        // Every combination agrees with the decimal rule, and none is within rounding of a cut-off.
        for a in 0...2 { for b in 0...8 { for c in 1...6 { for d in 1...5 {
            let t = SynthDerm.tdsTenths(asymmetry: a, border: b, colours: c, structures: d)
            #expect(t == 13 * a + b + 5 * c + 5 * d)
            #expect(abs(Double(t) - 47.5) >= 0.5 && abs(Double(t) - 54.5) >= 0.5)
            let expected: SynthDerm.Verdict = Double(t) / 10 < 4.75 ? .benign : (Double(t) / 10 < 5.45 ? .suspicious : .highlySuspicious)
            #expect(SynthDerm.verdict(tdsTenths: t) == expected)
        } } } }
    }

    @Test func labelsTextAndDerivedFields() {
        let l = SynthDerm.Labels(asymmetry: 1, abruptSegments: [true, false, true, false, false, false, false, true],
                                 colours: [.lightBrown, .black, .blueGrey], structures: [.dots, .globules],
                                 hairs: 0, diameterPixels: 40)
        #expect(l.border == 3)
        #expect(l.tdsTenths == 13 + 3 + 15 + 10)
        #expect(l.tdsText == "4.1")
        #expect(l.verdict == .benign)
        #expect(SynthDerm.QuestionType.colours.answer(l) == "light brown, black, blue-grey")
        #expect(SynthDerm.QuestionType.structures.answer(l) == "dots, globules")
        #expect(SynthDerm.QuestionType.border.answer(l) == "3")
    }

    @Test func classBalanceOver300Samples() {
        var byType: [SynthDerm.QuestionType: [String: Int]] = [:]
        var verdicts: [SynthDerm.Verdict: Int] = [:]
        for i in 0..<300 {
            let l = SynthDerm.labels(seed: 7, split: .train, index: i, size: 64)
            verdicts[l.verdict, default: 0] += 1
            for q in SynthDerm.QuestionType.allCases { byType[q, default: [:]][q.answer(l), default: 0] += 1 }
        }
        #expect(verdicts == [.benign: 100, .suspicious: 100, .highlySuspicious: 100])
        for (q, counts) in byType {
            let top = counts.values.max() ?? 0
            #expect(Double(top) / 300 <= 0.45, "\(q.rawValue): majority answer \(top) of 300")
        }
        // Every value of A, B and C occurs.
        #expect(byType[.asymmetry]?.count == 3)
        #expect(byType[.border]?.count == 9)
        #expect(byType[.colourCount]?.count == 6)
    }
}

@Suite struct SynthDermSampleTests {
    @Test func sameSeedSameBytesDifferentSeedDifferent() throws {
        let a = SynthDerm.sample(seed: 42, split: .test, index: 4, size: 64)
        let b = SynthDerm.sample(seed: 42, split: .test, index: 4, size: 64)
        let c = SynthDerm.sample(seed: 43, split: .test, index: 4, size: 64)
        #expect(a.labels == b.labels)
        #expect(try a.image.pngBytes() == b.image.pngBytes())
        #expect(a.image.pixels != c.image.pixels)
        // Splits are separate streams.
        let d = SynthDerm.sample(seed: 42, split: .val, index: 4, size: 64)
        #expect(a.image.pixels != d.image.pixels)
        // labels(...) gives exactly the labels of the drawn sample.
        #expect(SynthDerm.labels(seed: 42, split: .test, index: 4, size: 64) == a.labels)
    }

    @Test func datasetFilesAreReproducible() throws {
        let one = temporaryFolder("a"), two = temporaryFolder("b"), other = temporaryFolder("c")
        defer { for f in [one, two, other] { try? FileManager.default.removeItem(atPath: f) } }
        let options = SynthDerm.Options(seed: 5, count: 4, trainCount: 3, size: 64)
        try SynthDerm.write(to: one, options: options)
        try SynthDerm.write(to: two, options: options)
        try SynthDerm.write(to: other, options: SynthDerm.Options(seed: 6, count: 4, trainCount: 3, size: 64))
        let files = try FileManager.default.subpathsOfDirectory(atPath: one).filter { !$0.hasSuffix("images") }.sorted()
        #expect(files.count == 5 + 11)
        for f in files {
            #expect(try fileBytes(one + "/" + f) == fileBytes(two + "/" + f), "\(f)")
        }
        #expect(try fileBytes(one + "/test.json") != fileBytes(other + "/test.json"))
        #expect(try fileBytes(one + "/images/test-000000.png") != fileBytes(other + "/images/test-000000.png"))
    }

    @Test func answersAgreeWithLabelsAndLabelsFollowTheRules() {
        for split in SynthDerm.Split.allCases {
            for i in 0..<60 {
                let s = SynthDerm.sample(seed: 11, split: split, index: i, size: 64)
                let l = s.labels
                #expect((0...2).contains(l.asymmetry))
                #expect(l.abruptSegments.count == 8)
                #expect((1...6).contains(l.colours.count) && Set(l.colours).count == l.colours.count)
                #expect((1...5).contains(l.structures.count) && Set(l.structures).count == l.structures.count)
                #expect(l.colours == l.colours.sorted() && l.structures == l.structures.sorted())
                if l.colours.count == 1 { #expect(l.structures == [.structureless]) }
                if !l.structures.contains(.structureless) {
                    #expect(l.structures.contains { [.pigmentNetwork, .dots, .globules].contains($0) })
                }
                #expect(l.verdict == SynthDerm.Verdict.allCases[i % 3])
                #expect(s.image.width == 64 && s.image.height == 64)
                let records = SynthDerm.records(for: s, split: split, index: i)
                #expect(records.count == SynthDerm.QuestionType.allCases.count)
                for r in records {
                    #expect(r.conversations.count == 2)
                    #expect(r.conversations[0].from == "human" && r.conversations[0].value.hasPrefix("<image>\n"))
                    #expect(r.conversations[1].from == "gpt")
                    #expect(r.type.phrasings.contains(r.question))
                    let answer = r.answer
                    switch r.type {
                    case .asymmetry: #expect(Int(answer) == l.asymmetry)
                    case .border: #expect(Int(answer) == l.abruptSegments.filter { $0 }.count)
                    case .colourCount: #expect(Int(answer) == l.colours.count)
                    case .colours:
                        #expect(answer.components(separatedBy: ", ").map { SynthDerm.Colour(rawValue: $0) } == l.colours)
                    case .structures:
                        #expect(answer.components(separatedBy: ", ").map { SynthDerm.Structure(rawValue: $0) } == l.structures)
                    case .verdict:
                        let t = 13 * l.asymmetry + l.border + 5 * l.colours.count + 5 * l.structures.count
                        #expect(answer == (t <= 47 ? "benign" : (t <= 54 ? "suspicious" : "highly suspicious")))
                    }
                }
            }
        }
    }

    @Test func jsonRoundTripAndLayout() throws {
        let folder = temporaryFolder("json")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let options = SynthDerm.Options(seed: 9, count: 3, trainCount: 2, size: 96)
        try SynthDerm.write(to: folder, options: options)
        var labelsSeen = 0
        let allLabels = try JSONDecoder().decode([SynthDerm.LabelRecord].self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/labels.json")))
        #expect(allLabels.count == 3 + 3 + 2)
        for split in SynthDerm.Split.allCases {
            let path = folder + "/\(split.rawValue).json"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let records = try JSONDecoder().decode([SynthDerm.Record].self, from: data)
            let n = split == .train ? 2 : 3
            #expect(records.count == n * SynthDerm.QuestionType.allCases.count)
            // Schema as LLaVA reads it.
            let raw = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            #expect(raw.count == records.count)
            for entry in raw {
                #expect(Set(entry.keys) == ["id", "image", "type", "conversations"])
                let turns = entry["conversations"] as? [[String: String]] ?? []
                #expect(turns.map { $0["from"] ?? "" } == ["human", "gpt"])
            }
            #expect(Set(records.map(\.id)).count == records.count)
            for i in 0..<n {
                let s = SynthDerm.sample(seed: 9, split: split, index: i, size: 96)
                let expected = SynthDerm.records(for: s, split: split, index: i)
                #expect(Array(records[(i * expected.count)..<((i + 1) * expected.count)]) == expected)
                // Image paths are relative to the JSON file and decode to the generated pixels.
                let image = try RGBImage.decode(fileAt: folder + "/" + expected[0].image)
                #expect(image == s.image)
                let label = allLabels.first { $0.image == expected[0].image && $0.split == split }
                #expect(label?.labels == s.labels)
                #expect(label?.tdsTenths == s.labels.tdsTenths && label?.verdict == s.labels.verdict)
                labelsSeen += 1
            }
        }
        #expect(labelsSeen == 8)
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        #expect(readme.contains("synthetic") && readme.contains("nothing comes from a patient"))
        #expect(readme.contains("--seed 9"))
    }

    @Test func optionValidation() {
        #expect(throws: FormatError.self) { try SynthDerm.Options(seed: 1, count: 1, size: 100).validate() }
        #expect(throws: FormatError.self) { try SynthDerm.Options(seed: 1, count: 0).validate() }
        #expect(throws: FormatError.self) { try SynthDerm.Options(seed: 1, count: 2, trainCount: -1).validate() }
        #expect(throws: Never.self) { try SynthDerm.Options(seed: 1, count: 2, trainCount: 0, size: 64).validate() }
        #expect(SynthDerm.Options(seed: 1, count: 7).trainCount == 70)
    }

    @Test func contactSheetHasOneRowPerVerdict() throws {
        let sheet = SynthDerm.contactSheet(seed: 3, size: 64, columns: 2, zoom: 1)
        #expect(sheet.width == 2 * 64 + 3 * 4 && sheet.height == 3 * 64 + 4 * 4)
        let suspicious = SynthDerm.sample(seed: 3, split: .test, index: 1, size: 64).image
        #expect(sheet[4 + 10, 4 + 64 + 4 + 20] == suspicious[10, 20])
    }
}

@Suite struct PNGEncodeTests {
    @Test func roundTripThroughTheDecoder() throws {
        var rng = SplitMix64(seed: 1)
        for (w, h) in [(1, 1), (3, 7), (64, 64), (97, 13)] {
            let pixels = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let image = RGBImage(width: w, height: h, pixels: pixels)
            let bytes = try image.pngBytes()
            #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            #expect(try RGBImage.decode(bytes: bytes) == image)
            #expect(try image.pngBytes() == bytes)
        }
        let sample = SynthDerm.sample(seed: 2, split: .val, index: 0, size: 128).image
        #expect(try RGBImage.decode(bytes: sample.pngBytes()) == sample)
    }

    @Test func writesAtomically() throws {
        let folder = temporaryFolder("png")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = RGBImage(width: 2, height: 2, pixels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        try image.writePNG(to: folder + "/x.png")
        #expect(try RGBImage.decode(fileAt: folder + "/x.png") == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["x.png"])
    }
}

@Suite struct SplitMix64Tests {
    @Test func knownSequenceAndBounds() {
        // Reference values of SplitMix64 seeded with 0.
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        var r = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            #expect((0..<7).contains(r.below(7)))
            #expect((2...4).contains(r.int(2...4)))
            let u = r.unit()
            #expect(u >= 0 && u < 1)
        }
        #expect(SplitMix64.derive(1, 2, 3) != SplitMix64.derive(1, 3, 2))
    }
}
