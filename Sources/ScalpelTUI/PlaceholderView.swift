import ScalpelTerm

/// The panel shown by screens whose data comes from the engine, until the engine drives them: what the
/// screen will show and what it waits for, and no invented numbers.
enum PlaceholderView {
    /// What one screen will show and why it is empty now.
    struct Content: Hashable {
        var title: String
        var purpose: [String]
        var needs: String
    }

    /// The panel text for `screen`.
    static func content(for screen: Screen) -> Content {
        switch screen {
        case .model:
            return Content(title: "Model", purpose: ["Architecture, parameters by part and memory of the weights."],
                           needs: "Needs a model.")
        case .layers:
            return Content(
                title: "Layers",
                purpose: ["Importance of every decoder layer, scored on calibration data: a heatmap of layers × criteria.",
                          "Space marks a layer to drop (or \"auto: drop N by criterion\"), with the memory estimate updated on every key."],
                needs: "Needs the engine: layer scoring does not report to the workbench yet, so there are no scores to show.")
        case .quantize:
            return Content(
                title: "Quantize",
                purpose: ["The quantization plan: method (RTN, AWQ, GPTQ), bits (2, 3, 4, 8), group size (32, 64, 128 or per channel) and layers kept at fp16.",
                          "The deploy memory is recomputed on every key; the plan is written as a recipe."],
                needs: "Needs the engine: quantizers and the memory estimator are not connected yet.")
        case .run:
            return Content(
                title: "Run",
                purpose: ["A recipe running as `scalpel run recipe.yaml --events -`, followed live: stage, progress, loss curve, learning rate, tokens/s, RSS and estimated deploy memory."],
                needs: "Needs the engine: there is no run to follow yet.")
        case .compare:
            return Content(
                title: "Compare",
                purpose: ["Finished runs from runs/<id>/ side by side: recipe, metrics, memory and artifacts."],
                needs: "Needs the engine: no runs have been recorded yet.")
        }
    }

    /// Draws the panel centred in `area`.
    static func render(_ content: Content, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        var lines: [Line] = []
        for (i, text) in content.purpose.enumerated() {
            if i > 0 { lines.append(Line("")) }
            lines.append(Line(text, style: Style(fg: theme.text)))
        }
        lines.append(Line(""))
        lines.append(Line(content.needs, style: Style(fg: theme.warn)))
        let paragraph = Paragraph(lines, wrap: .word)
        let width = min(area.width, 76)
        let textWidth = max(1, width - 4)
        let height = min(area.height, paragraph.lineCount(width: textWidth) + 2)
        let box = area.centered(width: width, height: height)
        let block = Block(title: content.title, borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: box)
        frame.render(paragraph, in: block.inner(box))
    }
}
