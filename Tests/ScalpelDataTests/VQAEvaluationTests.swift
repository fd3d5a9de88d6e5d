import Testing
@testable import ScalpelData

@Suite struct VQAEvaluationTests {
    @Test func normalisation() {
        let same: [(String, String)] = [
            ("Two", "2"), ("2 axes.", "2"), ("two axes", "2"), ("There are no abrupt segments", "0"),
            ("Zero.", "0"), ("  8 ", "8"), ("The answer is 5", "5"),
            ("Dark brown and light brown", "light brown, dark brown"),
            ("Blue-gray, white", "blue-grey, white"), ("BLUE GREY; WHITE", "blue-grey, white"),
            ("light brown,dark brown & black", "light brown, dark brown, black"),
            ("Highly suspicious.", "highly suspicious"), ("The lesion is benign", "benign"),
            ("dots", "dots"), ("Globules, dots.", "dots, globules"),
        ]
        for (p, r) in same { #expect(VQAEvaluation.matches(prediction: p, reference: r), "\(p) vs \(r)") }
        let different: [(String, String)] = [
            ("suspicious", "highly suspicious"), ("highly suspicious", "suspicious"), ("3", "2"),
            ("light brown", "light brown, dark brown"), ("light brown, dark brown, red", "light brown, dark brown"),
            ("", "1"), ("dots", "globules"), ("twelve", "1"),
        ]
        for (p, r) in different { #expect(!VQAEvaluation.matches(prediction: p, reference: r), "\(p) vs \(r)") }
        #expect(VQAEvaluation.normalise("Blue-Gray!") == "blue grey")
    }

    @Test func perTypeAccuracyAndMajority() {
        let items = [
            VQAEvaluation.Item(id: "a", type: "asymmetry", reference: "0"),
            VQAEvaluation.Item(id: "b", type: "asymmetry", reference: "0"),
            VQAEvaluation.Item(id: "c", type: "asymmetry", reference: "2"),
            VQAEvaluation.Item(id: "d", type: "verdict", reference: "benign"),
        ]
        let report = VQAEvaluation.score(items: items, predictions: ["a": "zero", "b": "1", "d": "Benign."])
        #expect(report.n == 4 && report.correct == 2)
        #expect(report.accuracy == 0.5)
        #expect(report.missing == ["c"])
        #expect(report.perType["asymmetry"] == VQAEvaluation.TypeScore(accuracy: 1.0 / 3, n: 3, correct: 1, majority: 2.0 / 3))
        #expect(report.perType["verdict"]?.accuracy == 1 && report.perType["verdict"]?.majority == 1)
        #expect(report.majority == 0.75)
    }

    @Test func referenceAnswersScorePerfectly() {
        var records: [SynthDerm.Record] = []
        for i in 0..<9 {
            let s = SynthDerm.sample(seed: 4, split: .test, index: i, size: 64)
            records += SynthDerm.records(for: s, split: .test, index: i)
        }
        let answers = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.answer) })
        let report = VQAEvaluation.score(records: records, predictions: answers)
        #expect(report.accuracy == 1 && report.missing.isEmpty)
        #expect(report.perType.count == SynthDerm.QuestionType.allCases.count)
        #expect(report.perType["verdict"]?.majority == 1.0 / 3)
    }
}
