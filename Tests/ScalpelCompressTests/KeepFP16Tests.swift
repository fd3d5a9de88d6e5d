import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

/// `--keep-fp16`: the parts left out are rounded with the blocks' scheme in every export that can hold them.
@Suite("Parts kept in fp16")
struct KeepFP16Tests {
    @Test("the list parses with the estimator's aliases; unknown parts are refused")
    func parsing() throws {
        #expect(try KeepFP16(parsing: "embed_tokens,lm_head,vision_tower,projector") == .all)
        #expect(try KeepFP16(parsing: "embeddings, head").parts == [.embeddings, .head])
        #expect(try KeepFP16(parsing: "none").parts.isEmpty)
        #expect(throws: QuantError.self) { try KeepFP16(parsing: "embed_tokens,norms") }
    }

    @Test("hf: embeddings and head rounded by RTN when not kept, untouched when kept; eval model agrees")
    func hf() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let scheme = QuantScheme(bits: 4, groupSize: 32)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: scheme))
        let source = try tiny.checkpoint().weights
        for keep in [KeepFP16.all, KeepFP16(parts: [.head])] {
            decoder.keepFP16 = keep
            let dir = QuantTinyModel.temporary("keep")
            try QuantExport.writeHF(decoder, to: dir, dtype: .f32, sourceFolder: tiny.folder)
            let out = try Checkpoint.open(dir).weights
            let original = try source.floats("model.embed_tokens.weight")
            var rounded = original
            rounded.withUnsafeMutableBufferPointer { RTN.fakeQuantize($0.baseAddress!, rows: 64, cols: 64, scheme: scheme) }
            let want = keep.keeps(.embeddings) ? original : rounded
            #expect(try out.floats("model.embed_tokens.weight") == want)
            #expect(try out.floats("lm_head.weight") == source.floats("lm_head.weight"))
            #expect(try decoder.model().embedTokens.array == want)
        }
    }

    @Test("gguf: token_embd and output take the scheme's type when not kept")
    func gguf() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 8, groupSize: 32, symmetric: true)))
        decoder.keepFP16 = KeepFP16(parts: [.vision, .projector])
        let path = QuantTinyModel.temporary("keep") + ".gguf"
        try QuantExport.writeGGUF(decoder, to: path)
        let file = try GGUFFile(path: path)
        #expect(file.tensor("token_embd.weight")?.type == .q8_0)
        #expect(file.tensor("output.weight")?.type == .q8_0)
        decoder.keepFP16 = .all
        try QuantExport.writeGGUF(decoder, to: path)
        #expect(try GGUFFile(path: path).tensor("token_embd.weight")?.type == .f16)
    }

    @Test("what an export cannot hold is refused: AWQ quantizes only block linears; tied pairs go together")
    func refusals() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)))
        decoder.keepFP16 = KeepFP16(parts: [.embeddings])
        #expect(throws: QuantError.self) { try QuantExport.writeAWQ(decoder, to: QuantTinyModel.temporary("keep")) }
        let tied = try QuantTinyModel(layers: 1, tied: true)
        let tiedDecoder = try tied.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)))
        tiedDecoder.keepFP16 = KeepFP16(parts: [.embeddings])
        #expect(throws: QuantError.self) { try QuantExport.writeHF(tiedDecoder, to: QuantTinyModel.temporary("keep")) }
        tiedDecoder.keepFP16 = KeepFP16(parts: [])
        try QuantExport.writeHF(tiedDecoder, to: QuantTinyModel.temporary("keep"))
    }

    @Test("mmproj: tower and projector matrices in the quantized type when not kept")
    func mmproj() throws {
        let checkpoint = try Checkpoint.open(MMProjExportTests.fixture)
        let path = NSTemporaryDirectory() + "scalpel-mmproj-keep-\(UUID().uuidString).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MMProjExport.write(checkpoint, to: path, keep: KeepFP16(parts: [.projector]), quantizedType: .q8_0)
        let file = try GGUFFile(path: path)
        #expect(file.tensor("v.blk.0.attn_q.weight")?.type == .q8_0)
        #expect(file.tensor("v.blk.1.ffn_down.weight")?.type == .q8_0)
        #expect(file.tensor("v.patch_embd.weight")?.type == .f16)
        #expect(file.tensor("mm.0.weight")?.type == .f16)
    }
}
