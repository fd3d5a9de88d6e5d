import ScalpelFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws one SynthDerm image from its labels and a random stream.
///
/// The picture is computed at twice the output size and averaged down 2×2, so edges are anti-aliased.
/// Layout, in the lesion's own frame (u along its long axis, rotated by a random angle):
/// - shape: A = 0 an ellipse (mirror-symmetric about u and v); A = 1 a pear, fatter at one end
///   (symmetric about u only); A = 2 a lumpy outline with no mirror axis;
/// - colours: C concentric bands of the palette, centred on the lesion for A = 0, shifted along u for
///   A = 1 and obliquely for A = 2, so the colour layout has the same symmetry as the outline;
/// - border: eight 45° segments fixed to the image (segment 0 centred on the right); an abrupt
///   segment ends in a crisp edge, the others fade into the skin over about a third of the radius;
/// - structures are drawn in the darkest colour of the lesion (in its lightest where they cross that
///   colour's band; a one-colour lesion is always plain), so they add no colour:
///   pigment network a fine grid, dots small points, globules larger round blobs, branched streaks
///   forked lines radiating across the border, structureless areas a plain central zone where
///   nothing is drawn. Dots, globules and streaks are mirrored with the lesion's symmetry.
struct SynthDermRenderer {
    let size: Int
    let labels: SynthDerm.Labels

    static func rgb(_ c: SynthDerm.Colour) -> SIMD3<Double> {
        switch c {
        case .lightBrown: return [176, 118, 68]
        case .darkBrown: return [98, 56, 30]
        case .black: return [22, 18, 18]
        case .red: return [196, 52, 56]
        case .blueGrey: return [108, 126, 156]
        case .white: return [246, 244, 240]
        }
    }

    static func luminance(_ c: SIMD3<Double>) -> Double { 0.299 * c.x + 0.587 * c.y + 0.114 * c.z }

    /// Skin tones, all darker than the white of the palette.
    static let skinTones: [SIMD3<Double>] = [
        [228, 190, 164], [218, 176, 146], [206, 160, 128], [232, 200, 178], [196, 150, 120],
    ]

    struct Geometry {
        var cx: Double, cy: Double, r0: Double, phi: Double, ellipse: Double
        var coeffs: [Double]  // cos t, cos 2t, sin 2t, sin 3t, cos 4t
        var offset: SIMD2<Double>  // colour-band centre in the unit disc

        /// Radius of the outline at angle t of the lesion frame.
        func radius(_ t: Double) -> Double {
            let c = cos(t), s = sin(t)
            let ell = 1 / (c * c + (s * s) / (ellipse * ellipse)).squareRoot()
            let bump = 1 + coeffs[0] * c + coeffs[1] * cos(2 * t) + coeffs[2] * sin(2 * t)
                + coeffs[3] * sin(3 * t) + coeffs[4] * cos(4 * t)
            return r0 * ell * bump
        }

        /// Image point of lesion-frame polar position (t, rho), rho = 1 on the outline.
        func point(t: Double, rho: Double) -> SIMD2<Double> {
            let r = rho * radius(t)
            let u = r * cos(t), v = r * sin(t)
            return [cx + u * cos(phi) - v * sin(phi), cy - (u * sin(phi) + v * cos(phi))]
        }
    }

    static func geometry(size: Int, asymmetry: Int, rng: inout SplitMix64) -> Geometry {
        let s = Double(size)
        var g = Geometry(
            cx: s / 2 + rng.uniform(-0.03, 0.03) * s, cy: s / 2 + rng.uniform(-0.03, 0.03) * s,
            r0: rng.uniform(0.31, 0.34) * s, phi: rng.uniform(0, 2 * Double.pi), ellipse: 1,
            coeffs: [0, 0, 0, 0, 0], offset: [0, 0])
        switch asymmetry {
        case 0:
            g.ellipse = rng.uniform(0.72, 0.92)
            g.coeffs[4] = rng.uniform(-0.03, 0.03)
        case 1:
            g.ellipse = rng.uniform(0.66, 0.76)
            g.coeffs[0] = rng.uniform(0.28, 0.34)
            g.coeffs[1] = rng.uniform(-0.08, -0.04)
            g.r0 *= 0.88
            g.offset = [rng.uniform(0.34, 0.4), 0]
        default:
            g.ellipse = rng.uniform(0.74, 0.86)
            g.coeffs[0] = rng.uniform(0.15, 0.2)
            g.coeffs[2] = rng.uniform(0.17, 0.22) * (rng.chance(0.5) ? 1 : -1)
            g.coeffs[3] = rng.uniform(0.09, 0.12)
            g.r0 *= 0.88
            let psi = rng.uniform(0.6, 1.0) * (g.coeffs[2] > 0 ? 1 : -1)
            g.offset = [0.34 * cos(psi), 0.34 * sin(psi)]
        }
        return g
    }

    /// Renders the image; `rng` supplies texture, noise and the placement of structures and hairs.
    static func render(labels: SynthDerm.Labels, geometry g: Geometry, size: Int, skin: SIMD3<Double>,
                       rng: inout SplitMix64) -> RGBImage {
        let scale = 2
        let n = size * scale
        let sc = Double(scale)
        let unit = Double(size) / 64  // one "64-px pixel", in output pixels
        var buf = [SIMD3<Double>](repeating: skin, count: n * n)

        // Skin texture: a few smooth waves.
        var waves: [(Double, Double, Double, Double)] = []
        for _ in 0..<4 {
            let angle = rng.uniform(0, 2 * Double.pi)
            let freq = rng.uniform(2, 6) * 2 * Double.pi / Double(n)
            waves.append((cos(angle) * freq, sin(angle) * freq, rng.uniform(0, 2 * Double.pi), rng.uniform(3, 7)))
        }
        let palette = labels.colours.map(rgb)
        let lums = palette.map(luminance)
        let darkest = lums.indices.min { lums[$0] < lums[$1] }!
        let lightest = lums.indices.max { lums[$0] < lums[$1] }!
        // One-colour lesions are plain (the labels never give them other structures).
        func ink(band: Int) -> SIMD3<Double> { band == darkest ? palette[lightest] : palette[darkest] }
        // Band order: a random permutation of the colours.
        let order = rng.shuffled(Array(palette.indices))
        let k = palette.count
        let bandEdges = (0...k).map { pow(Double($0) / Double(k), 0.8) }
        let has = Set(labels.structures)
        let plainCore = has.contains(.structureless)
        let pitch = 5.4 * unit * sc
        let lineHalf = 0.5 * unit * sc
        let gridAngle = g.phi + rng.uniform(0.2, 0.6)

        // Band coordinate: sigma = 0 at the band centre, 1 on the outline.
        func bandSigma(_ q: SIMD2<Double>) -> Double {
            let d = q - g.offset
            let len = (d * d).sum().squareRoot()
            if len < 1e-9 { return 0 }
            let w = d / len
            let ow = (g.offset * w).sum()
            let oo = (g.offset * g.offset).sum()
            let reach = -ow + max(0, ow * ow - oo + 1).squareRoot()
            return min(1, len / max(reach, 1e-9))
        }

        for y in 0..<n {
            for x in 0..<n {
                let px = (Double(x) + 0.5) / sc, py = (Double(y) + 0.5) / sc
                var colour = skin
                for w in waves { colour += SIMD3(repeating: w.3 * sin(w.0 * Double(x) + w.1 * Double(y) + w.2)) }
                // Lesion frame.
                let dx = px - g.cx, dy = g.cy - py
                let u = dx * cos(g.phi) + dy * sin(g.phi)
                let v = -dx * sin(g.phi) + dy * cos(g.phi)
                let t = atan2(v, u)
                let dist = (u * u + v * v).squareRoot()
                let r = g.radius(t)
                let rho = dist / r
                // Border segment from the image angle (0 = right, counter-clockwise on screen).
                var theta = atan2(dy, dx)
                if theta < 0 { theta += 2 * Double.pi }
                let segment = Int((theta / (Double.pi / 4) + 0.5).rounded(.down)) % 8
                let alpha: Double
                if labels.abruptSegments[segment] {
                    alpha = min(1, max(0, (1 - rho) * r * sc + 0.5))
                } else {
                    let e = min(1, max(0, (rho - 0.82) / (1.22 - 0.82)))
                    alpha = 1 - e * e * (3 - 2 * e)
                }
                if alpha > 0 {
                    let q = SIMD2(min(rho, 1) * cos(t), min(rho, 1) * sin(t))
                    let sigma = bandSigma(q)
                    var band = k - 1
                    for i in 0..<k where sigma < bandEdges[i + 1] { band = i; break }
                    var lesion = palette[order[band]]
                    // Pigment network over the body.
                    if has.contains(.pigmentNetwork) && rho < 0.95 && !(plainCore && sigma < 0.45) {
                        let gu = Double(x) * cos(gridAngle) + Double(y) * sin(gridAngle)
                        let gv = -Double(x) * sin(gridAngle) + Double(y) * cos(gridAngle)
                        let wu = gu + 0.8 * unit * sc * sin(gv / (3 * unit * sc))
                        let wv = gv + 0.8 * unit * sc * sin(gu / (3 * unit * sc))
                        let fu = wu - pitch * (wu / pitch).rounded()
                        let fv = wv - pitch * (wv / pitch).rounded()
                        if abs(fu) < lineHalf || abs(fv) < lineHalf { lesion = ink(band: order[band]) }
                    }
                    colour = colour * (1 - alpha) + lesion * alpha
                }
                buf[y * n + x] = colour
            }
        }

        // Stamps, in output-pixel coordinates.
        func bandAt(_ p: SIMD2<Double>) -> Int {
            let dx = p.x - g.cx, dy = g.cy - p.y
            let u = dx * cos(g.phi) + dy * sin(g.phi)
            let v = -dx * sin(g.phi) + dy * cos(g.phi)
            let t = atan2(v, u)
            let rho = min(1, (u * u + v * v).squareRoot() / g.radius(t))
            let sigma = bandSigma(SIMD2(rho * cos(t), rho * sin(t)))
            for i in 0..<k where sigma < bandEdges[i + 1] { return order[i] }
            return order[k - 1]
        }
        func disc(_ c: SIMD2<Double>, radius: Double, colour: SIMD3<Double>) {
            let cx = c.x * sc, cy = c.y * sc, rr = radius * sc
            let x0 = max(0, Int(cx - rr - 1)), x1 = min(n - 1, Int(cx + rr + 1))
            let y0 = max(0, Int(cy - rr - 1)), y1 = min(n - 1, Int(cy + rr + 1))
            if x0 > x1 || y0 > y1 { return }
            for y in y0...y1 {
                for x in x0...x1 {
                    let ddx = Double(x) + 0.5 - cx, ddy = Double(y) + 0.5 - cy
                    let a = min(1, max(0, rr + 0.5 - (ddx * ddx + ddy * ddy).squareRoot()))
                    if a > 0 { buf[y * n + x] = buf[y * n + x] * (1 - a) + colour * a }
                }
            }
        }
        func line(_ a: SIMD2<Double>, _ b: SIMD2<Double>, width: Double, colour: SIMD3<Double>, opacity: Double = 1) {
            let ax = a.x * sc, ay = a.y * sc, bx = b.x * sc, by = b.y * sc, hw = width * sc / 2
            let x0 = max(0, Int(min(ax, bx) - hw - 1)), x1 = min(n - 1, Int(max(ax, bx) + hw + 1))
            let y0 = max(0, Int(min(ay, by) - hw - 1)), y1 = min(n - 1, Int(max(ay, by) + hw + 1))
            if x0 > x1 || y0 > y1 { return }
            let ex = bx - ax, ey = by - ay
            let ll = max(ex * ex + ey * ey, 1e-9)
            for y in y0...y1 {
                for x in x0...x1 {
                    let pxx = Double(x) + 0.5 - ax, pyy = Double(y) + 0.5 - ay
                    let h = min(1, max(0, (pxx * ex + pyy * ey) / ll))
                    let qx = pxx - ex * h, qy = pyy - ey * h
                    let cov = min(1, max(0, hw + 0.5 - (qx * qx + qy * qy).squareRoot())) * opacity
                    if cov > 0 { buf[y * n + x] = buf[y * n + x] * (1 - cov) + colour * cov }
                }
            }
        }
        // Mirror images of a lesion-frame angle, following the lesion's symmetry.
        func mirrored(_ t: Double) -> [Double] {
            switch labels.asymmetry {
            case 0: return [t, -t, Double.pi - t, Double.pi + t]
            case 1: return [t, -t]
            default: return [t]
            }
        }
        let copies = labels.asymmetry == 0 ? 4 : (labels.asymmetry == 1 ? 2 : 1)
        // Body positions (rho, t) for dots and globules, away from the plain core when there is one.
        func bodyPositions(count: Int, minGap: Double) -> [SIMD2<Double>] {
            var out: [SIMD2<Double>] = []
            var tries = 0
            while out.count < count * copies && tries < count * 60 {
                tries += 1
                let t = rng.uniform(0, 2 * Double.pi)
                let rho = rng.uniform(0.12, 0.8).squareRoot()
                let candidates = mirrored(t).map { g.point(t: $0, rho: rho) }
                let ok = candidates.allSatisfy { c in
                    if plainCore {
                        let dx = c.x - g.cx, dy = g.cy - c.y
                        let u = dx * cos(g.phi) + dy * sin(g.phi), v = -dx * sin(g.phi) + dy * cos(g.phi)
                        let tt = atan2(v, u)
                        let rr = min(1, (u * u + v * v).squareRoot() / g.radius(tt))
                        if bandSigma(SIMD2(rr * cos(tt), rr * sin(tt))) < 0.5 { return false }
                    }
                    return out.allSatisfy { o in ((o - c) * (o - c)).sum().squareRoot() >= minGap }
                        && candidates.filter { d in ((d - c) * (d - c)).sum().squareRoot() < minGap }.count <= 1
                }
                if ok { out += candidates }
            }
            return out
        }
        if has.contains(.globules) {
            for c in bodyPositions(count: 12 / copies + 1, minGap: 5.2 * unit) {
                disc(c, radius: 1.9 * unit, colour: ink(band: bandAt(c)))
            }
        }
        if has.contains(.dots) {
            for c in bodyPositions(count: 28 / copies + 1, minGap: 3.4 * unit) {
                disc(c, radius: 0.7 * unit, colour: ink(band: bandAt(c)))
            }
        }
        if has.contains(.branchedStreaks) {
            let count = 8 / copies + (copies == 1 ? 1 : 0)
            let start = rng.uniform(0, 2 * Double.pi)
            var angles: [Double] = []
            for i in 0..<count {
                let base = start + 2 * Double.pi * Double(i) / Double(count) + rng.uniform(-0.15, 0.15)
                angles += mirrored(base)
            }
            let streakInk = palette[darkest]
            for t in angles {
                let a = g.point(t: t, rho: 0.8)
                let m = g.point(t: t, rho: 1.04)
                let spread = 0.1
                let b1 = g.point(t: t + spread, rho: 1.22)
                let b2 = g.point(t: t - spread, rho: 1.22)
                line(a, m, width: 1.1 * unit, colour: streakInk)
                line(m, b1, width: 0.9 * unit, colour: streakInk)
                line(m, b2, width: 0.9 * unit, colour: streakInk)
            }
        }
        // Hairs: long, thin, gently curved dark lines across the image.
        for _ in 0..<labels.hairs {
            let s = Double(size)
            let a = SIMD2(rng.uniform(-0.1, 1.1) * s, rng.uniform(-0.1, 0.2) * s)
            let b = SIMD2(rng.uniform(-0.1, 1.1) * s, rng.uniform(0.8, 1.1) * s)
            let bend = SIMD2(rng.uniform(-0.2, 0.2) * s, rng.uniform(-0.2, 0.2) * s)
            let (p0, p2) = rng.chance(0.5) ? (a, b) : (SIMD2(a.y, a.x), SIMD2(b.y, b.x))
            let p1 = (p0 + p2) / 2 + bend
            let hairColour: SIMD3<Double> = [58, 42, 34]
            var prev = p0
            for i in 1...24 {
                let h = Double(i) / 24
                let p = p0 * ((1 - h) * (1 - h)) + p1 * (2 * h * (1 - h)) + p2 * (h * h)
                line(prev, p, width: 0.7 * unit, colour: hairColour, opacity: 0.85)
                prev = p
            }
        }

        // Down-sample 2×2, add sensor noise, quantise.
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                var sum = SIMD3<Double>(repeating: 0)
                for j in 0..<scale { for i in 0..<scale { sum += buf[(y * scale + j) * n + x * scale + i] } }
                sum /= Double(scale * scale)
                let noise = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 4
                for ch in 0..<3 {
                    let value = (sum[ch] + noise + (rng.unit() - 0.5) * 2).rounded()
                    pixels[(y * size + x) * 3 + ch] = UInt8(min(255, max(0, value)))
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    /// Largest distance across the outline, in output pixels.
    static func diameter(_ g: Geometry) -> Int {
        let points = (0..<180).map { g.point(t: 2 * Double.pi * Double($0) / 180, rho: 1) }
        var best = 0.0
        for i in points.indices { for j in points.indices where j > i { best = max(best, ((points[i] - points[j]) * (points[i] - points[j])).sum()) } }
        return Int(best.squareRoot().rounded())
    }
}
