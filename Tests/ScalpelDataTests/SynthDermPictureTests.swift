import Testing
import ScalpelFormats
@testable import ScalpelData

/// Checks on the pixels: what the labels claim is there to see.
@Suite struct SynthDermPictureTests {
    /// Pixels within `tolerance` (per channel) of a colour.
    static func coverage(_ image: RGBImage, _ colour: SIMD3<Double>, tolerance: Double = 14) -> Int {
        var n = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let c = image[x, y]
                if abs(Double(c.red) - colour.x) <= tolerance && abs(Double(c.green) - colour.y) <= tolerance
                    && abs(Double(c.blue) - colour.z) <= tolerance { n += 1 }
            }
        }
        return n
    }

    /// At least 0.4% of the image (16 pixels at 64 px) in each labelled colour, after noise.
    @Test func everyLabelledColourCoversAVisibleArea() {
        for size in [64, 96] {
            for i in 0..<45 {
                let s = SynthDerm.sample(seed: 21, split: .val, index: i, size: size)
                for colour in s.labels.colours {
                    let n = Self.coverage(s.image, SynthDermRenderer.rgb(colour))
                    #expect(n * 250 >= size * size, "\(size) px, sample \(i): \(colour.rawValue) covers \(n) pixels")
                }
            }
        }
    }

    @Test func whiteIsLighterThanEverySkinTone() {
        let white = SynthDermRenderer.luminance(SynthDermRenderer.rgb(.white))
        for skin in SynthDermRenderer.skinTones {
            #expect(SynthDermRenderer.luminance(skin) + 20 < white)
            #expect(skin.x < 240 && skin.y < 240 && skin.z < 240)
        }
    }

    @Test func plainLesionsHaveNoStructureInk() {
        // A one-colour lesion is plain: only its colour and the skin (and hairs) appear.
        var checked = 0
        for i in 0..<900 where checked < 3 {
            let l = SynthDerm.labels(seed: 8, split: .train, index: i, size: 64)
            guard l.colours.count == 1, l.hairs == 0 else { continue }
            let s = SynthDerm.sample(seed: 8, split: .train, index: i, size: 64)
            for other in SynthDerm.Colour.allCases where other != l.colours[0] && other != .white && other != .lightBrown {
                #expect(Self.coverage(s.image, SynthDermRenderer.rgb(other), tolerance: 10) == 0, "sample \(i): \(other.rawValue)")
            }
            checked += 1
        }
        #expect(checked > 0)
    }
}
