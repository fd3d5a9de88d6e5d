// libFuzzer entry point for the safetensors reader (built by scripts/fuzz/run.sh together with the
// ScalpelFormats sources). Every input must either parse or throw FormatError; reading the tensors of
// a file that parsed must never go out of bounds.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let file = try SafetensorsFile(bytes: bytes, name: "fuzz.safetensors")
        for t in file.tensors {
            let raw = file.rawBytes(t)
            precondition(raw.count == t.byteCount)
            if t.dtype.convertsToFloat && t.elementCount <= 1 << 22 {
                let values = try file.floats(t.name)
                precondition(values.count == t.elementCount)
            }
        }
    } catch is FormatError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}
