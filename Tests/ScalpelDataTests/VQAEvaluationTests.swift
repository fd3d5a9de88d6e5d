import Foundation
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

@Suite struct EvaluationInputTests {
    @Test func conversationJSONAndPredictionFormats() throws {
        let data = Data("""
        [{"id": "q1", "image": "images/a.png", "type": "border", "conversations": [{"from": "human", "value": "<image>\\nHow many?"}, {"from": "gpt", "value": "3"}]},
         {"id": "q2", "image": "images/a.png", "conversations": [{"from": "human", "value": "<image>\\nVerdict?"}, {"from": "gpt", "value": "benign"}]}]
        """.utf8)
        let items = try VQAEvaluation.items(conversationJSON: data)
        #expect(items.map(\.id) == ["q1", "q2"] && items.map(\.type) == ["border", "all"] && items.map(\.reference) == ["3", "benign"])
        let object = try VQAEvaluation.predictions(Data(#"{"q1": "three", "q2": "Benign"}"#.utf8))
        #expect(object == ["q1": "three", "q2": "Benign"])
        let lines = try VQAEvaluation.predictions(Data("{\"question_id\": \"q1\", \"text\": \"3\"}\n\n{\"id\": \"q2\", \"answer\": \"suspicious\"}\n".utf8))
        #expect(lines == ["q1": "3", "q2": "suspicious"])
        let report = VQAEvaluation.score(items: items, predictions: lines)
        #expect(report.correct == 1 && report.perType["border"]?.accuracy == 1)
        #expect(throws: EvaluationError.self) { try VQAEvaluation.items(conversationJSON: Data("{}".utf8)) }
        #expect(throws: EvaluationError.self) { try VQAEvaluation.predictions(Data("{\"question_id\": 1}\n".utf8)) }
    }
}
