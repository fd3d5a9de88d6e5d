/// The single source of truth for key bindings: it resolves key presses to actions and feeds the
/// footer hints, the help overlay and the command palette.
public struct Keymap: Hashable, Sendable {
    /// The context whose bindings apply in every other context.
    public static let global = "global"

    /// All bindings, in the order they were declared.
    public var bindings: [KeyBinding]

    /// Creates a keymap.
    public init(_ bindings: [KeyBinding]) {
        self.bindings = bindings
    }

    /// The contexts in order of first appearance, with `global` first when present.
    public var contexts: [String] {
        var seen: [String] = []
        for b in bindings where !seen.contains(b.context) { seen.append(b.context) }
        if let g = seen.firstIndex(of: Keymap.global), g > 0 { seen.insert(seen.remove(at: g), at: 0) }
        return seen
    }

    /// The action bound to `key` in `context`; a context binding shadows a global one.
    public func action(for key: Key, in context: String) -> String? {
        if let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.action }
        return bindings.first(where: { $0.context == Keymap.global && $0.keys.contains(key) })?.action
    }

    /// The bindings active in `context`: its own first, then global ones not shadowed by them.
    public func activeBindings(in context: String) -> [KeyBinding] {
        let own = context == Keymap.global ? [] : bindings.filter { $0.context == context }
        let ownKeys = Set(own.flatMap(\.keys))
        let global = bindings.filter { $0.context == Keymap.global && !$0.keys.contains(where: ownKeys.contains) }
        return own + global
    }

    /// The bindings declared for exactly `context`.
    public func bindings(in context: String) -> [KeyBinding] { bindings.filter { $0.context == context } }

    /// The first binding of `action` usable in `context` (own context first, then global).
    public func binding(for action: String, in context: String = Keymap.global) -> KeyBinding? {
        bindings.first { $0.action == action && $0.context == context }
            ?? bindings.first { $0.action == action && $0.context == Keymap.global }
    }

    /// The footer hints for `context`: active bindings that have a `hint`, in order.
    public func hints(in context: String) -> [KeyHint] {
        activeBindings(in: context).compactMap { b in b.hint.map { KeyHint(key: b.keyLabel, label: $0) } }
    }

    /// Keys bound to two different actions within one context, as `(context, key, actions)`.
    public func conflicts() -> [(context: String, key: Key, actions: [String])] {
        var out: [(context: String, key: Key, actions: [String])] = []
        for context in contexts {
            var byKey: [(Key, [String])] = []
            for b in bindings(in: context) {
                for k in b.keys {
                    if let i = byKey.firstIndex(where: { $0.0 == k }) {
                        if !byKey[i].1.contains(b.action) { byKey[i].1.append(b.action) }
                    } else {
                        byKey.append((k, [b.action]))
                    }
                }
            }
            for (k, actions) in byKey where actions.count > 1 { out.append((context, k, actions)) }
        }
        return out
    }
}
