/// SplitMix64: a small, fast generator whose whole state is one `UInt64`, so a run's random stream
/// is fixed by its seed and can be saved and restored with a checkpoint.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniform float in `[0, 1)` from the top 24 bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform float in `[low, high)`.
    public mutating func nextFloat(in low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// SplitMix64's finaliser: a bijective hash of 64 bits.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stateless uniform float in `[0, 1)` for element `index` of the stream named by `key`: the
    /// same key and index always give the same number (dropout masks regenerated in backward).
    @inline(__always)
    public static func unitFloat(key: UInt64, index: UInt64) -> Float {
        Float(mix(key ^ mix(index &+ 0x9E37_79B9_7F4A_7C15)) >> 40) * (1.0 / 16_777_216.0)
    }

    /// Combines values into one key (seed, step, layer, module…).
    public static func key(_ parts: UInt64...) -> UInt64 {
        parts.reduce(0x51_7CC1_B727_220A) { mix($0 ^ mix($1)) }
    }
}
