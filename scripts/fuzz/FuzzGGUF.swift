// libFuzzer entry point for the GGUF reader, dequantizer and name mapping (built by
// scripts/fuzz/run.sh together with the ScalpelFormats sources). Every input must either parse or throw
// FormatError; dequantizing and un-permuting the tensors of a file that parsed must never trap.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let file = try GGUFFile(bytes: bytes, name: "fuzz.gguf")
        for t in file.tensors where t.type.canDequantize && t.elementCount <= 1 << 22 {
            let values = try file.floats(t.name)
            precondition(values.count == t.elementCount)
        }
        if let source = try? GGUFWeightSource(file: file) {
            for name in source.tensorNames {
                guard let info = source.info(name), info.elementCount <= 1 << 22 else { continue }
                if let values = try? source.floats(name) { precondition(values.count == info.elementCount) }
            }
        }
    } catch is FormatError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}
