import Foundation
import Yams

/// Walks a composed YAML tree, reading typed values and collecting every problem with its place.
///
/// Value readers return nil both for an absent key and for a bad value; a bad value is reported and
/// its path added to `invalid`, so later checks (the model's) skip what is already reported.
final class RecipeReader {
    /// The file as shown in diagnostics.
    let file: String
    /// The folder relative paths are resolved against.
    let folder: URL
    private(set) var diagnostics: [RecipeDiagnostic] = []
    var locations = RecipeLocations()
    private(set) var invalid: Set<String> = []

    init(file: String, folder: URL) {
        self.file = file
        self.folder = folder
    }

    // MARK: Reporting

    func report(_ location: RecipeLocations.Location?, _ message: String, hint: String? = nil) {
        diagnostics.append(RecipeDiagnostic(file: file, line: location?.line ?? 1, column: location?.column ?? 1,
                                            message: message, hint: hint))
    }

    func report(_ node: Node, _ message: String, hint: String? = nil) {
        report(Self.location(node), message, hint: hint)
    }

    func markInvalid(_ path: String) { invalid.insert(path) }

    /// Records where the list element `value` of `list` sits, as `list[=value]`, so checks that know
    /// only the value can point at it.
    func place(_ value: String, in list: String, at node: Node, elementPath: String) {
        let key = "\(list)[=\(value)]"
        if let l = Self.location(node), locations.values[key] == nil { locations.values[key] = l }
        if invalid.contains(elementPath) { invalid.insert(key) }
    }

    static func location(_ node: Node) -> RecipeLocations.Location? {
        node.mark.map { RecipeLocations.Location(line: $0.line, column: $0.column) }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// `'text'` for a scalar, else what kind of node it is.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func wrongType(_ node: Node, _ path: String, _ expected: String, hint: String? = nil) {
        markInvalid(path)
        report(node, "\(path) must be \(expected) (got \(Self.describe(node)))", hint: hint)
    }

    // MARK: Mappings and lists

    /// The keys of a mapping node, each checked against `allowed`: an unknown key is reported (with the
    /// closest allowed key as a hint) and left out. Null values count as absent. Records every key's and
    /// value's location under `path`. Nil (after a report) when `node` is not a mapping.
    func mapping(_ node: Node, path: String, allowed: [String]) -> [String: Node]? {
        guard case .mapping(let m) = node else {
            wrongType(node, path.isEmpty ? "the recipe" : path, "a mapping of keys to values")
            return nil
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in m {
            guard case .scalar(let k) = keyNode else {
                report(keyNode, "keys must be plain names (got \(Self.describe(keyNode)))")
                continue
            }
            let key = k.string
            guard allowed.contains(key) else {
                let place = path.isEmpty ? "" : " in \(path)"
                if let home = Recipe.Keys.home[key] {
                    report(keyNode, "unknown key '\(key)'\(place)", hint: "'\(key)' belongs in \(home)")
                } else if let near = closestMatch(to: key, among: allowed) {
                    report(keyNode, "unknown key '\(key)'\(place)", hint: "did you mean '\(near)'?")
                } else {
                    report(keyNode, "unknown key '\(key)'\(place)", hint: "expected one of: \(allowed.joined(separator: ", "))")
                }
                continue
            }
            let full = Self.join(path, key)
            if let l = Self.location(keyNode) { locations.keys[full] = l }
            if let l = Self.location(value) { locations.values[full] = l }
            if !Self.isNull(value) { result[key] = value }
        }
        return result
    }

    /// The elements of a list, each with its path `path[i]`. Nil (after a report) for a non-list.
    func list(_ node: Node, path: String, of what: String, hint: String? = nil) -> [(node: Node, path: String)]? {
        guard case .sequence(let s) = node else {
            wrongType(node, path, "a list of \(what)", hint: hint)
            return nil
        }
        return s.enumerated().map { i, element in
            let p = "\(path)[\(i)]"
            if let l = Self.location(element) { locations.values[p] = l }
            return (element, p)
        }
    }

    // MARK: Scalars

    /// The text of a plain or quoted scalar; nil (after a report) for anything else.
    func text(_ node: Node, path: String, expected: String = "a string") -> String? {
        guard case .scalar(let s) = node else {
            wrongType(node, path, expected)
            return nil
        }
        return s.string
    }

    private func plainNumber(_ node: Node) -> String? {
        guard case .scalar(let s) = node, s.style == .plain else { return nil }
        return s.string.replacingOccurrences(of: "_", with: "")
    }

    /// An integer in `range`; out of range and non-integers are reported.
    func int(_ node: Node, path: String, range: ClosedRange<Int> = Int.min...Int.max) -> Int? {
        guard let t = plainNumber(node), let v = Int(t) else {
            wrongType(node, path, "an integer")
            return nil
        }
        guard range.contains(v) else {
            markInvalid(path)
            report(node, "\(path) must be \(Self.describe(range)) (got \(v))")
            return nil
        }
        return v
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        if range.lowerBound == Int.min { return "at most \(range.upperBound)" }
        return "between \(range.lowerBound) and \(range.upperBound)"
    }

    /// A finite number; `minimum` is inclusive unless `exclusive`, `below` is exclusive.
    func double(_ node: Node, path: String, minimum: Double? = nil, exclusive: Bool = false, below: Double? = nil) -> Double? {
        guard let t = plainNumber(node), let v = Double(t), v.isFinite else {
            wrongType(node, path, "a number")
            return nil
        }
        var ok = true
        var rule = ""
        if let lo = minimum {
            ok = exclusive ? v > lo : v >= lo
            rule = exclusive ? (lo == 0 ? "positive" : "greater than \(Self.format(lo))") : "at least \(Self.format(lo))"
        }
        if let hi = below {
            ok = ok && v < hi
            rule = minimum.map { "in [\(Self.format($0)), \(Self.format(hi)))" } ?? "below \(Self.format(hi))"
        }
        guard ok else {
            markInvalid(path)
            report(node, "\(path) must be \(rule) (got \(Self.format(v)))")
            return nil
        }
        return v
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    func bool(_ node: Node, path: String) -> Bool? {
        guard case .scalar(let s) = node, s.style == .plain else {
            wrongType(node, path, "true or false")
            return nil
        }
        switch s.string {
        case "true", "True", "TRUE", "yes", "Yes", "on": return true
        case "false", "False", "FALSE", "no", "No", "off": return false
        default:
            wrongType(node, path, "true or false")
            return nil
        }
    }

    /// One of the cases of `T` by raw value; an unknown name is reported as `unknown <what>` with the
    /// closest name as a hint.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, path: String, what: String,
                                                     among cases: [T] = Array(T.allCases)) -> T? where T.RawValue == String {
        guard let name = text(node, path: path, expected: "a name") else { return nil }
        if let c = cases.first(where: { $0.rawValue == name }) { return c }
        markInvalid(path)
        let names = cases.map(\.rawValue)
        if let near = closestMatch(to: name, among: names) {
            report(node, "unknown \(what) '\(name)'", hint: "did you mean '\(near)'?")
        } else {
            report(node, "unknown \(what) '\(name)'", hint: "choose one of: \(names.joined(separator: ", "))")
        }
        return nil
    }

    /// A path resolved against the recipe's folder (`~` expanded); reported when nothing exists there.
    /// Returns the resolved path even when missing, so the recipe stays complete.
    func filePath(_ node: Node, path: String) -> String? {
        guard let raw = text(node, path: path, expected: "a path") else { return nil }
        let resolved = resolve(raw)
        if !FileManager.default.fileExists(atPath: resolved) {
            markInvalid(path)
            report(node, "\(path): no such file or folder '\(raw)'", hint: "looked for \(resolved); paths are relative to the recipe's folder")
        }
        return resolved
    }

    func resolve(_ raw: String) -> String {
        let expanded = (raw as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : folder.appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }
}
