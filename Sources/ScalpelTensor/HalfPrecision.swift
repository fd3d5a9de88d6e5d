/// Conversions between the 16-bit storage types of checkpoints and f32 compute.
public enum HalfPrecision {
    /// IEEE binary16 bits to Float (exact).
    @inline(__always)
    public static func f16ToFloat(_ bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// Float to IEEE binary16 bits, round to nearest even; overflow becomes ±inf, NaN stays NaN.
    @inline(__always)
    public static func floatToF16(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// bfloat16 bits to Float (exact: bf16 is the top half of an f32).
    @inline(__always)
    public static func bf16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float to bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
    @inline(__always)
    public static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x0040) }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// Converts `count` f16 values to f32.
    public static func f16ToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = Float(Float16(bitPattern: src[i])) }
    }

    /// Converts `count` bf16 values to f32.
    public static func bf16ToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = Float(bitPattern: UInt32(src[i]) << 16) }
    }

    /// Converts `count` f32 values to f16.
    public static func floatToF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, count: Int) {
        for i in 0..<count { dst[i] = Float16(src[i]).bitPattern }
    }

    /// Converts `count` f32 values to bf16.
    public static func floatToBF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, count: Int) {
        for i in 0..<count { dst[i] = floatToBF16(src[i]) }
    }
}
