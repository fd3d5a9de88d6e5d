import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

/// The `clip` mmproj GGUF of a LLaVA checkpoint, read back through Scalpel's own GGUF reader
/// (scripts/checks/quant-mmproj.sh reads it with the `gguf` Python package).
@Suite("LLaVA mmproj GGUF")
struct MMProjExportTests {
    /// The tiny LLaVA fixture of the models tests (vision_feature_layer [0, -2], projector without biases).
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ScalpelModelsTests/Fixtures/models/llava-image").standardized.path

    @Test("llama.cpp's clip keys and tensor names, values equal to the checkpoint's (F16 matrices)")
    func roundTrip() throws {
        let checkpoint = try Checkpoint.open(Self.fixture)
        let l = try #require(checkpoint.config.llava)
        let path = NSTemporaryDirectory() + "scalpel-mmproj-\(UUID().uuidString).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let size = try MMProjExport.write(checkpoint, to: path)
        let file = try GGUFFile(path: path)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size)
        #expect(file.architecture == "clip")
        #expect(file.metadata["clip.projector_type"]?.string == "mlp")
        #expect(file.metadata["clip.has_vision_encoder"] == .bool(true))
        #expect(file.metadata["clip.use_gelu"] == .bool(true))
        #expect(file.metadata["clip.vision.embedding_length"]?.int == l.vision.hiddenSize)
        #expect(file.metadata["clip.vision.block_count"]?.int == 2)
        #expect(file.metadata["clip.vision.feature_layer"]?.array?.compactMap(\.int) == [0, 2])
        #expect(file.metadata["clip.vision.image_mean"]?.array?.count == 3)

        let source = checkpoint.weights, t = LlavaTensorNames.detect(in: source).vision
        var expected: [String: String] = [
            "v.class_embd": t.classEmbedding, "v.patch_embd.weight": t.patchEmbedding,
            "v.position_embd.weight": t.positionEmbedding, "v.pre_ln.weight": t.preNorm("weight"), "v.pre_ln.bias": t.preNorm("bias"),
        ]
        let parts = ["attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                     "attn_out": "self_attn.out_proj", "ln1": "layer_norm1", "ln2": "layer_norm2",
                     "ffn_up": "mlp.fc1", "ffn_down": "mlp.fc2"]
        for i in 0..<2 {
            for (g, h) in parts { for kind in ["weight", "bias"] { expected["v.blk.\(i).\(g).\(kind)"] = t.layer(i, "\(h).\(kind)") } }
        }
        expected["mm.0.weight"] = "multi_modal_projector.linear_1.weight"
        expected["mm.2.weight"] = "multi_modal_projector.linear_2.weight"
        #expect(Set(file.tensorNames) == Set(expected.keys).union(["mm.0.bias", "mm.2.bias"]))
        for (name, from) in expected {
            let info = try #require(file.tensor(name))
            let want = try source.floats(from)
            #expect(info.shape == source.info(from)?.shape, "\(name)")
            let rounded = info.type == .f16 ? want.map { Float(Float16($0)) } : want
            #expect(try file.floats(name) == rounded, "\(name)")
        }
        #expect(try file.floats("mm.0.bias") == [Float](repeating: 0, count: l.text.hiddenSize), "no projector bias: zeros")
    }

    @Test("feature layers become llama.cpp's ascending indices; what it cannot express is refused")
    func featureLayers() throws {
        #expect(try MMProjExport.featureLayers([-2], towerLayers: 24) == [23])
        #expect(try MMProjExport.featureLayers([0, -2], towerLayers: 3) == [0, 2])
        #expect(try MMProjExport.featureLayers([-1], towerLayers: 3) == [3])
        #expect(throws: QuantError.self) { try MMProjExport.featureLayers([-2, 0], towerLayers: 3) }
        #expect(throws: QuantError.self) { try MMProjExport.featureLayers([4], towerLayers: 3) }
        #expect(throws: QuantError.self) { try MMProjExport.featureLayers([-5], towerLayers: 3) }
        let plain = try Checkpoint.open(URL(fileURLWithPath: Self.fixture).deletingLastPathComponent().appendingPathComponent("llama-fp32").path)
        #expect(throws: QuantError.self) { try MMProjExport.write(plain, to: NSTemporaryDirectory() + "never.gguf") }
    }
}
