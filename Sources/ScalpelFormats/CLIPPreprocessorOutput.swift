/// One preprocessed image: Float32 values laid out `[3, height, width]` (channel-major, R, G, B),
/// the layout of transformers' `pixel_values[0]`.
public struct CLIPPixelValues: Sendable, Equatable {
    public let channels = 3
    public let height: Int
    public let width: Int
    /// `3 * height * width` values; index `(c * height + y) * width + x`.
    public var values: [Float]

    public init(height: Int, width: Int, values: [Float]) {
        precondition(values.count == 3 * height * width, "pixel values must hold 3 * height * width floats")
        self.height = height
        self.width = width
        self.values = values
    }

    /// The tensor shape `[3, height, width]`.
    public var shape: [Int] { [channels, height, width] }
}
