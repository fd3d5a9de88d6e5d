import Testing
@testable import ScalpelTerm

@Suite struct ToastTests {
    @Test func errorInTheTopRightCorner() {
        var b = Buffer(area: Rect(width: 50, height: 8))
        for y in 0..<8 { b.setString(0, y, String(repeating: ".", count: 50)) }
        let toast = Toast("tokenizer.json not found next to the model weights", kind: .error, maxWidth: 30)
        toast.render(into: &b, area: b.area, theme: .default)
        Golden.check("toast-error", b)
        let box = toast.boxArea(in: b.area)
        #expect(box.right == 50 && box.y == 0)
        #expect(b[box.x, 0].style.fg == Theme.default.bad)
    }

    @Test func infoInTheBottomLeftCorner() {
        let b = render(Toast("Saved recipe", kind: .success, corner: .bottomLeft), width: 30, height: 5)
        Golden.check("toast-info", b)
        #expect(b[0, 4].style.fg == Theme.default.good)
    }
}
