import Foundation
import Testing
import ScalpelFormats
@testable import ScalpelCompress
#if canImport(Glibc)
import Glibc
#endif

/// The store of finished quantized blocks: bit packing, spill round trips, exports that are the same file
/// whether the blocks were spilled or kept in memory, and clear errors when the spill file fails.
struct QuantizedBlockStoreTests {
    @Test func bitPackingRoundTripsEveryWidth() {
        var rng = QuantRandom(seed: 9)
        for bits in [2, 3, 4, 8] {
            for count in [0, 1, 7, 8, 33, 1001] {
                let codes = (0..<count).map { _ in UInt8(rng.uniform() * Double(1 << bits)) }
                let packed = QuantizedLinear.packCodes(codes, bits: bits)
                #expect(packed.count == (count * bits + 7) / 8, "bits \(bits) count \(count)")
                #expect(QuantizedLinear.unpackCodes(packed, count: count, bits: bits) == codes, "bits \(bits) count \(count)")
            }
        }
        // The documented layout: 4-bit codes two to a byte, the first in the low nibble; 3-bit codes cross
        // byte boundaries least significant bit first.
        #expect(QuantizedLinear.packCodes([0x1, 0xF, 0x7], bits: 4) == [0xF1, 0x07])
        #expect(QuantizedLinear.packCodes([5, 3, 7], bits: 3) == [0b1101_1101, 0b0000_0001])
    }

    @Test func spilledBlocksReadBackAsStored() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: false, biases: true)
        let settings = QuantSettings(method: .awq, scheme: QuantScheme(bits: 3, groupSize: 32), awq: .init(grid: 4))
        let calibration = QuantTinyModel.calibration(samples: 2, length: 8)
        let memory = try tiny.runner().run(settings, calibration: calibration, storage: .memory)
        let spilled = try tiny.runner().run(settings, calibration: calibration, storage: .spill(folder: nil))
        #expect(!memory.store.spills && memory.store.spilledBytes == 0)
        #expect(spilled.store.spills)
        // 3 bits per weight plus an f32 scale and a zero byte per group of 32.
        let weights = 2 * (4 * 64 * 64 + 3 * 64 * 128)
        #expect(spilled.store.spilledBytes == weights * 3 / 8 + weights / 32 * 5)
        for i in 0..<2 {
            let a = try memory.block(i), b = try spilled.block(i)
            #expect(a.linears == b.linears && a.inputNorm == b.inputNorm && a.postNorm == b.postNorm && a.biases == b.biases)
            #expect(a.biases.count == 4)
            let shell = try spilled.block(i, linears: [])
            #expect(shell.linears.isEmpty && shell.inputNorm == a.inputNorm && shell.biases == a.biases)
            #expect(try spilled.linear(i, "mlp.down_proj") == a.linears["mlp.down_proj"])
            #expect(try spilled.block(i, linears: ["self_attn.v_proj"]).linears.keys.sorted() == ["self_attn.v_proj"])
        }
    }

    /// Every method and export format writes the same bytes from spilled blocks as from blocks in memory.
    @Test func streamedAndInMemoryExportsAreIdentical() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: false, biases: true)
        let calibration = QuantTinyModel.calibration(samples: 2, length: 8)
        for method in QuantMethod.allCases {
            for format in ExportFormat.allCases {
                let scheme = QuantScheme(bits: 4, groupSize: 32)
                let settings = QuantSettings(method: method, scheme: scheme, awq: .init(grid: 4))
                var files: [[UInt8]] = []
                for storage in [QuantizedBlockStore.Location.memory, .spill(folder: nil)] {
                    let decoder = try tiny.runner().run(settings, calibration: method.needsCalibration ? calibration : [], storage: storage)
                    let dir = QuantTinyModel.temporary("store")
                    defer { try? FileManager.default.removeItem(atPath: dir) }
                    let path: String
                    switch format {
                    case .hf: try QuantExport.writeHF(decoder, to: dir); path = dir + "/model.safetensors"
                    case .awq: try QuantExport.writeAWQ(decoder, to: dir); path = dir + "/model.safetensors"
                    case .gguf: path = dir + "/model.gguf"; try QuantExport.writeGGUF(decoder, to: path)
                    }
                    files.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
                }
                #expect(files[0].count > 10_000)
                #expect(files[0] == files[1], "\(method) \(format)")
            }
        }
    }

    @Test func aSpillFolderThatCannotHoldTheFileIsAClearError() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let missing = "/nonexistent-\(UUID().uuidString)"
        #expect {
            try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)), storage: .spill(folder: missing))
        } throws: { error in
            "\(error)".contains("cannot create the quantized-block spill file in \(missing)") && "\(error)".contains("No such file")
        }
    }

    #if os(Linux)
    /// A spill file whose writes fail (here /dev/full, as on a full disk) stops the run with the reason.
    @Test func aFailingSpillWriteIsAClearError() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)), storage: .memory)
        let fd = open("/dev/full", O_RDWR | O_CLOEXEC)
        try #require(fd >= 0)
        let store = QuantizedBlockStore(spillDescriptor: fd)
        #expect {
            try store.append(decoder.block(0))
        } throws: { error in
            "\(error)" == "cannot write the quantized-block spill file: No space left on device"
        }
        #expect(store.count == 0)
    }
    #endif
}
