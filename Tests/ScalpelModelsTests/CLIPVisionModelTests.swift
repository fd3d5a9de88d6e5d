import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelModels

@Suite("CLIP vision tower")
struct CLIPVisionModelTests {
    static func tower(_ fixture: String = "llava-classic") throws -> CLIPVisionModel {
        let config = try #require(try Fixtures.config(fixture).vision)
        return try CLIPVisionModel(source: try WeightSources.open(Fixtures.folder(fixture)), config: config)
    }

    @Test("hidden-state indices follow transformers' tuple: 0 the embeddings, negative from the end")
    func hiddenStateIndices() throws {
        let tower = try Self.tower()  // 3 layers: hidden states 0...3
        #expect(try tower.hiddenStateIndex(0) == 0)
        #expect(try tower.hiddenStateIndex(3) == 3)
        #expect(try tower.hiddenStateIndex(-1) == 3)
        #expect(try tower.hiddenStateIndex(-2) == 2)
        #expect(try tower.hiddenStateIndex(-4) == 0)
        #expect(throws: ModelError.self) { try tower.hiddenStateIndex(4) }
        #expect(throws: ModelError.self) { try tower.hiddenStateIndex(-5) }
    }

    @Test("states come back in the order asked, and running fewer layers does not change them")
    func hiddenStates() throws {
        let tower = try Self.tower()
        let reference = try Fixtures.reference("llava-classic")
        let pixels = try #require(reference.pixel_values)
        let all = try tower.hiddenStates(pixelValues: pixels, layers: [0, 1, 2, 3])
        let some = try tower.hiddenStates(pixelValues: pixels, layers: [-2, 0])
        #expect(all.allSatisfy { $0.count == 17 * 32 })
        #expect(some[0].array == all[2].array)
        #expect(some[1].array == all[0].array)
        #expect(all[1].array != all[2].array)
        // Features: class token dropped, layers side by side.
        let features = try tower.features(pixelValues: pixels, layers: [-2, 0], keepClassToken: false)
        #expect(features.count == 16 * 64)
        #expect(Array(features.array[0..<32]) == Array(all[2].array[32..<64]))
        #expect(Array(features.array[32..<64]) == Array(all[0].array[32..<64]))
        let full = try tower.features(pixelValues: pixels, layers: [-1], keepClassToken: true)
        #expect(full.array == all[3].array)
    }

    @Test("images in a batch do not see each other")
    func batchIndependence() throws {
        let tower = try Self.tower()
        let pixels = try #require(try Fixtures.reference("llava-classic").pixel_values)
        let other = pixels.map { 0.5 - $0 }
        let one = try tower.hiddenStates(pixelValues: pixels, layers: [-1])[0].array
        let two = try tower.hiddenStates(pixelValues: other + pixels, layers: [-1])[0].array
        #expect(Fixtures.maxAbsDiff(Array(two[(17 * 32)...]), one) <= 1e-5)
        #expect(try tower.hiddenStates(pixelValues: [], layers: [-1])[0].count == 0)
    }
}
