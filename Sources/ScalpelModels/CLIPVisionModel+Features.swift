import ScalpelFormats

extension CLIPVisionModel {
    /// Feature rows per image: every patch, plus the class token when it is kept.
    public func featureTokens(keepClassToken: Bool) -> Int { config.numPatches + (keepClassToken ? 1 : 0) }

    /// Image features as LLaVA takes them from the tower: the hidden states `layers` name (see
    /// `hiddenStateIndex`), without the class token unless `keepClassToken` (`"full"` strategy),
    /// concatenated along the feature axis in the order of `layers`.
    /// Returns `[images·featureTokens, hidden·layers.count]`.
    public func features(pixelValues: [Float], layers: [Int], keepClassToken: Bool) throws -> FloatBuffer {
        guard !layers.isEmpty else { throw ModelError("no vision feature layer given") }
        let states = try hiddenStates(pixelValues: pixelValues, layers: layers)
        let images = try imageCount(pixelValues)
        let h = config.hiddenSize, t = tokensPerImage, kept = featureTokens(keepClassToken: keepClassToken)
        let skip = keepClassToken ? 0 : 1, width = h * layers.count
        let out = FloatBuffer(count: images * kept * width)
        for b in 0..<images {
            for i in 0..<kept {
                let row = out.pointer + (b * kept + i) * width
                for (l, state) in states.enumerated() {
                    (row + l * h).update(from: state.pointer + (b * t + skip + i) * h, count: h)
                }
            }
        }
        return out
    }
}
