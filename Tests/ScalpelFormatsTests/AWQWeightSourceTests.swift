import Foundation
import Testing
@testable import ScalpelFormats

@Suite("AWQ weight source")
struct AWQWeightSourceTests {
    static let quantization = """
    {"quant_method": "awq", "zero_point": true, "group_size": 4, "bits": 4, "version": "gemm", "modules_to_not_convert": null}
    """

    /// One linear with K = 8 inputs, N = 16 outputs, group size 4.
    struct Triple {
        var k = 8, n = 16, g = 4
        var codes: [UInt8] = []   // [K, N]
        var zeros: [UInt8] = []   // [K/g, N]
        var scales: [Float] = []  // [K/g, N]

        init() {
            codes = (0..<(k * n)).map { UInt8(($0 * 7 + 3) % 16) }
            zeros = (0..<(k / g * n)).map { UInt8(($0 * 5 + 1) % 16) }
            scales = (0..<(k / g * n)).map { Float(Float16(0.01 * Float($0 + 1))) }
        }

        /// w[n, k] in PyTorch layout.
        var weight: [Float] {
            (0..<(n * k)).map { i in
                let (row, col) = (i / k, i % k)
                return Float(Int(codes[col * n + row]) - Int(zeros[col / g * n + row])) * scales[col / g * n + row]
            }
        }

        func add(to w: inout SafetensorsWriter, prefix: String, skip: Set<String> = []) throws {
            if !skip.contains("qweight") {
                try w.add(prefix + ".qweight", int32: AWQPacking.pack(codes, rows: k, columns: n), shape: [k, n / 8])
            }
            if !skip.contains("qzeros") {
                try w.add(prefix + ".qzeros", int32: AWQPacking.pack(zeros, rows: k / g, columns: n), shape: [k / g, n / 8])
            }
            if !skip.contains("scales") {
                try w.add(prefix + ".scales", floats: scales, shape: [k / g, n], as: .f16)
            }
        }
    }

    /// Writes a folder with `config.json` (holding `quantization` when given) and the tensors `build` adds.
    static func folder(quantization: String? = Self.quantization,
                       _ build: (inout SafetensorsWriter) throws -> Void) throws -> String {
        let dir = try FormatsTesting.temporaryFolder()
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        try build(&w)
        try w.write(to: dir + "/model.safetensors")
        let config = quantization.map { "{\"model_type\": \"llama\", \"quantization_config\": \($0)}" } ?? "{\"model_type\": \"llama\"}"
        try AtomicFile.write(config, to: dir + "/config.json")
        return dir
    }

    @Test("a packed linear reads as its dequantized [out, in] weight; other tensors pass through")
    func readsTriple() throws {
        let t = Triple()
        let dir = try Self.folder { w in
            try w.add("model.embed_tokens.weight", floats: [1, 2, 3, 4], shape: [2, 2], as: .f16)
            try t.add(to: &w, prefix: "model.layers.0.mlp.up_proj")
        }
        defer { FormatsTesting.remove(dir) }
        let opened = try WeightSources.open(dir)
        let source = try #require(opened as? AWQWeightSource)
        #expect(source.configuration == .init(bits: 4, groupSize: 4, zeroPoint: true, version: "gemm", modulesToNotConvert: []))
        #expect(Set(source.tensorNames) == ["model.embed_tokens.weight", "model.layers.0.mlp.up_proj.weight"])
        #expect(source.info("model.layers.0.mlp.up_proj.weight") == WeightInfo(dtype: "AWQ4", shape: [16, 8]))
        #expect(source.info("model.embed_tokens.weight") == WeightInfo(dtype: "F16", shape: [2, 2]))
        #expect(source.info("model.layers.0.mlp.up_proj.qweight") == nil)
        #expect(source.linears["model.layers.0.mlp.up_proj.weight"] ==
                AWQWeightSource.Linear(prefix: "model.layers.0.mlp.up_proj", inFeatures: 8, outFeatures: 16, groupSize: 4))
        #expect(try source.floats("model.layers.0.mlp.up_proj.weight") == t.weight)
        #expect(try source.floats("model.embed_tokens.weight") == [1, 2, 3, 4])
        FormatsTesting.expectError("no tensor named 'model.layers.0.mlp.up_proj.scales'") {
            _ = try source.floats("model.layers.0.mlp.up_proj.scales")
        }
        let packed = try source.packed(try #require(source.linears["model.layers.0.mlp.up_proj.weight"]))
        #expect(AWQPacking.unpack(packed.qweight, rows: 8, columns: 16) == t.codes)
        #expect(AWQPacking.unpack(packed.qzeros, rows: 2, columns: 16) == t.zeros)
        #expect(packed.scales == t.scales)
    }

    @Test("group size -1 means one group per row; an absent group size is read off the shapes")
    func groupSizeVariants() throws {
        var t = Triple()
        t.g = 8
        t.zeros = Array(t.zeros.prefix(16))
        t.scales = Array(t.scales.prefix(16))
        for q in [#"{"quant_method": "awq", "group_size": -1}"#, #"{"quant_method": "AWQ", "version": "GEMM"}"#] {
            let dir = try Self.folder(quantization: q) { w in try t.add(to: &w, prefix: "p") }
            defer { FormatsTesting.remove(dir) }
            let source = try AWQWeightSource(path: dir)
            #expect(source.linears["p.weight"]?.groupSize == 8)
            #expect(try source.floats("p.weight") == t.weight)
        }
    }

    @Test("folders without an AWQ quantization_config open as plain safetensors")
    func plainFolders() throws {
        for q in [nil, "null", #"{"quant_method": "gptq", "bits": 4}"#] {
            let dir = try Self.folder(quantization: q) { w in try w.add("x", floats: [1], shape: [1]) }
            defer { FormatsTesting.remove(dir) }
            #expect(try WeightSources.open(dir) is SafetensorsFolder)
            FormatsTesting.expectError("config.json", "has no quantization_config with quant_method \"awq\"") {
                _ = try AWQWeightSource(path: dir)
            }
        }
    }

    @Test("incomplete triples are refused, naming what is missing")
    func missingMembers() throws {
        let t = Triple()
        let cases: [(Set<String>, [String])] = [
            (["scales"], ["'p'", "p.qweight and p.qzeros", "but no p.scales"]),
            (["qzeros"], ["p.qweight and p.scales", "but no p.qzeros"]),
            (["qweight"], ["p.qzeros and p.scales", "but no p.qweight"]),
            (["qweight", "scales"], ["has p.qzeros but no p.qweight or p.scales"]),
        ]
        for (skip, parts) in cases {
            let dir = try Self.folder { w in try t.add(to: &w, prefix: "p", skip: skip) }
            defer { FormatsTesting.remove(dir) }
            FormatsTesting.expectError(parts[0]) { _ = try WeightSources.open(dir) }
            for part in parts.dropFirst() {
                FormatsTesting.expectError(part) { _ = try WeightSources.open(dir) }
            }
        }
        // A lone `.scales` is not a packed linear.
        let dir = try Self.folder { w in try w.add("layer_norm.scales", floats: [1, 2], shape: [2]) }
        defer { FormatsTesting.remove(dir) }
        let source = try AWQWeightSource(path: dir)
        #expect(source.tensorNames == ["layer_norm.scales"])
        #expect(try source.floats("layer_norm.scales") == [1, 2])
    }

    @Test("inconsistent shapes and dtypes are refused with the shapes in the message")
    func badShapes() throws {
        let words8x2 = [Int32](repeating: 0, count: 16)
        typealias Build = (inout SafetensorsWriter) throws -> Void
        let cases: [(String, Build, [String])] = [
            ("N not a multiple of 8", { w in
                try w.add("p.qweight", int32: [Int32](repeating: 0, count: 8), shape: [8, 1])
                try w.add("p.qzeros", int32: [0, 0], shape: [2, 1])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 24), shape: [2, 12], as: .f16)
            }, ["12 outputs", "not a multiple of 8", "scales [2, 12]"]),
            ("scales wider than qweight packs", { w in
                try w.add("p.qweight", int32: [Int32](repeating: 0, count: 8), shape: [8, 1])
                try w.add("p.qzeros", int32: [0, 0], shape: [2, 1])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 32), shape: [2, 16], as: .f16)
            }, ["qweight packs 1 × 8 = 8 outputs but scales has 16"]),
            ("qzeros words", { w in
                try w.add("p.qweight", int32: words8x2, shape: [8, 2])
                try w.add("p.qzeros", int32: [0, 0], shape: [2, 1])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 32), shape: [2, 16], as: .f16)
            }, ["qzeros has 1 words per row, qweight 2", "qzeros [2, 1]"]),
            ("qzeros groups", { w in
                try w.add("p.qweight", int32: words8x2, shape: [8, 2])
                try w.add("p.qzeros", int32: [0, 0, 0, 0, 0, 0], shape: [3, 2])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 32), shape: [2, 16], as: .f16)
            }, ["qzeros has 3 groups, scales 2"]),
            ("K not divisible by the group size", { w in
                try w.add("p.qweight", int32: [Int32](repeating: 0, count: 12), shape: [6, 2])
                try w.add("p.qzeros", int32: [0, 0, 0, 0], shape: [2, 2])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 32), shape: [2, 16], as: .f16)
            }, ["6 inputs, not divisible by the group size 4"]),
            ("group count", { w in
                try w.add("p.qweight", int32: words8x2, shape: [8, 2])
                try w.add("p.qzeros", int32: [0, 0, 0, 0, 0, 0, 0, 0], shape: [4, 2])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 64), shape: [4, 16], as: .f16)
            }, ["8 inputs in groups of 4 make 2 groups, but scales and qzeros have 4"]),
            ("qweight dtype", { w in
                try w.add("p.qweight", floats: [Float](repeating: 0, count: 16), shape: [8, 2])
                try w.add("p.qzeros", int32: [0, 0, 0, 0], shape: [2, 2])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 32), shape: [2, 16], as: .f16)
            }, ["'p.qweight' has dtype F32", "I32"]),
            ("scales dtype", { w in
                try w.add("p.qweight", int32: words8x2, shape: [8, 2])
                try w.add("p.qzeros", int32: [0, 0, 0, 0], shape: [2, 2])
                try w.add("p.scales", int32: [Int32](repeating: 1, count: 32), shape: [2, 16])
            }, ["'p.scales' has dtype I32"]),
            ("rank", { w in
                try w.add("p.qweight", int32: words8x2, shape: [8, 2, 1])
                try w.add("p.qzeros", int32: [0, 0, 0, 0], shape: [2, 2])
                try w.add("p.scales", floats: [Float](repeating: 1, count: 32), shape: [2, 16], as: .f16)
            }, ["'p.qweight' has shape [8, 2, 1]", "matrix"]),
            ("weight beside the triple", { w in
                try Triple().add(to: &w, prefix: "p")
                try w.add("p.weight", floats: [Float](repeating: 0, count: 128), shape: [16, 8])
            }, ["both 'p.weight' and the AWQ triple"]),
        ]
        for (label, build, parts) in cases {
            let dir = try Self.folder(build)
            defer { FormatsTesting.remove(dir) }
            for part in parts {
                FormatsTesting.expectError(part) { _ = try WeightSources.open(dir) }
            }
            do {
                _ = try WeightSources.open(dir)
            } catch let error as FormatError {
                #expect(error.file == dir, "\(label): \(error)")
                #expect(!error.problem.contains("\n"), "\(label): one line")
            }
        }
    }

    @Test("bad quantization settings are refused, naming the key")
    func badConfiguration() throws {
        let cases: [(String, String)] = [
            (#"{"quant_method": "awq", "bits": 8}"#, "quantization_config.bits: is 8; AWQ GEMM checkpoints hold 4-bit codes only"),
            (#"{"quant_method": "awq", "version": "gemv"}"#, "quantization_config.version: is 'gemv'; only AWQ's GEMM layout"),
            (#"{"quant_method": "awq", "version": "marlin"}"#, "is 'marlin'"),
            (#"{"quant_method": "awq", "group_size": 0}"#, "quantization_config.group_size: is 0"),
            (#"{"quant_method": "awq", "bits": "4"}"#, "quantization_config.bits: expected an integer, found a string"),
            (#"{"quant_method": "awq", "modules_to_not_convert": [1]}"#, "quantization_config.modules_to_not_convert[0]: expected a string"),
            (#"{"quant_method": "awq", "zero_point": "yes"}"#, "quantization_config.zero_point: expected true or false"),
            (#"[1]"#, "quantization_config: expected an object, found an array"),
        ]
        for (q, message) in cases {
            let dir = try Self.folder(quantization: q) { w in try Triple().add(to: &w, prefix: "p") }
            defer { FormatsTesting.remove(dir) }
            FormatsTesting.expectError(dir + "/config.json", message) { _ = try WeightSources.open(dir) }
        }
        let dir = try Self.folder(quantization: #"{"quant_method": "awq", "modules_to_not_convert": ["vision_tower", "multi_modal_projector"]}"#) { w in
            try Triple().add(to: &w, prefix: "p")
        }
        defer { FormatsTesting.remove(dir) }
        let source = try AWQWeightSource(path: dir)
        #expect(source.configuration.modulesToNotConvert == ["vision_tower", "multi_modal_projector"])
        #expect(source.configuration.groupSize == nil)
    }

    @Test("a config.json that is not JSON is reported, not taken for a plain folder")
    func brokenConfig() throws {
        let dir = try Self.folder { w in try Triple().add(to: &w, prefix: "p") }
        defer { FormatsTesting.remove(dir) }
        try AtomicFile.write("{\"quantization_config\": ", to: dir + "/config.json")
        FormatsTesting.expectError(dir + "/config.json") { _ = try WeightSources.open(dir) }
    }
}
