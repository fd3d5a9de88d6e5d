import ScalpelFormats

extension EngineEvent {
    /// The event as one line of JSON (no trailing newline), keys sorted.
    public func jsonLine() -> String {
        var fields: [String: JSONValue] = ["v": .int(version), "t": .double(Self.rounded(time)), "run": .string(run),
                                           "type": .string(type)]
        for (key, value) in payload.fields { fields[key] = value }
        return JSONValue.object(fields).compact()
    }

    /// Reads one line written by `jsonLine()` (or by any engine speaking the protocol).
    public init(line: String) throws {
        let value: JSONValue
        do {
            value = try JSONValue.parse(string: line, file: "event")
        } catch {
            throw ProtocolError("event line is not JSON: \(error)")
        }
        guard case .object(let object) = value else { throw ProtocolError("event line is not a JSON object") }
        let reader = FieldReader(type: object["type"]?.string ?? "event", object: object)
        let type = try reader.string("type")
        self.init(version: try reader.int("v"), time: try reader.double("t"), run: try reader.string("run"),
                  payload: try EventPayload(type: type, reader: reader))
    }

    /// Times are written to the microsecond: enough for any display, and lines stay short.
    private static func rounded(_ t: Double) -> Double {
        (t * 1e6).rounded() / 1e6
    }
}

extension EventPayload {
    /// The type-specific fields, as written on the line.
    var fields: [String: JSONValue] {
        switch self {
        case .hello(let engine, let version, let backend, let capabilities):
            return ["engine": .string(engine), "version": .string(version), "backend": .string(backend),
                    "capabilities": .array(capabilities.map(JSONValue.string))]
        case .stage(let name, let index, let count, let state):
            return ["name": .string(name), "index": .int(index), "count": .int(count), "state": .string(state.rawValue)]
        case .progress(let stage, let done, let total, let unit, let rate):
            return ["stage": .string(stage), "done": .int(done), "total": .int(total), "unit": .string(unit),
                    "rate": rate.map(JSONValue.double) ?? .null]
        case .loss(let step, let loss, let lr, let tps):
            return ["step": .int(step), "loss": .double(loss), "lr": .double(lr), "tokens_per_s": .double(tps)]
        case .memory(let rss, let peak, let estimate):
            return ["rss": .int(rss), "peak": .int(peak), "estimate": .object(estimate.mapValues(JSONValue.int))]
        case .importance(let layer, let criterion, let score, let tokenClass):
            return ["layer": .int(layer), "criterion": .string(criterion), "score": .double(score),
                    "token_class": .string(tokenClass.rawValue)]
        case .metric(let name, let value, let split, let step):
            return ["name": .string(name), "value": .double(value), "split": .string(split),
                    "step": step.map(JSONValue.int) ?? .null]
        case .artifact(let kind, let path, let bytes):
            return ["kind": .string(kind), "path": .string(path), "bytes": .int(bytes)]
        case .log(let level, let message):
            return ["level": .string(level.rawValue), "message": .string(message)]
        case .error(let code, let message, let hint):
            return ["code": .string(code), "message": .string(message), "hint": hint.map(JSONValue.string) ?? .null]
        case .done(let status, let summary):
            return ["status": .string(status.rawValue), "summary": summary]
        case .unknown(_, let fields):
            return fields
        }
    }

    init(type: String, reader r: FieldReader) throws {
        switch type {
        case "hello":
            self = .hello(engine: try r.string("engine"), version: try r.string("version"),
                          backend: try r.string("backend"), capabilities: try r.strings("capabilities"))
        case "stage":
            self = .stage(name: try r.string("name"), index: try r.int("index"), count: try r.int("count"),
                          state: try r.enumeration("state"))
        case "progress":
            self = .progress(stage: try r.string("stage"), done: try r.int("done"), total: try r.int("total"),
                             unit: try r.string("unit"), rate: try r.optionalDouble("rate"))
        case "loss":
            self = .loss(step: try r.int("step"), loss: try r.double("loss"), lr: try r.double("lr"),
                         tokensPerSecond: try r.double("tokens_per_s"))
        case "memory":
            self = .memory(rss: try r.int("rss"), peak: try r.int("peak"), estimate: try r.intMap("estimate"))
        case "importance":
            self = .importance(layer: try r.int("layer"), criterion: try r.string("criterion"),
                               score: try r.double("score"), tokenClass: try r.enumeration("token_class"))
        case "metric":
            self = .metric(name: try r.string("name"), value: try r.double("value"), split: try r.string("split"),
                           step: try r.optionalInt("step"))
        case "artifact":
            self = .artifact(kind: try r.string("kind"), path: try r.string("path"), bytes: try r.int("bytes"))
        case "log":
            self = .log(level: try r.enumeration("level"), message: try r.string("message"))
        case "error":
            self = .error(code: try r.string("code"), message: try r.string("message"), hint: try r.optionalString("hint"))
        case "done":
            guard let summary = r.object["summary"] else { throw r.missing("summary") }
            self = .done(status: try r.enumeration("status"), summary: summary)
        default:
            var fields = r.object
            for key in ["v", "t", "run", "type"] { fields[key] = nil }
            self = .unknown(type: type, fields: fields)
        }
    }
}

/// Typed access to an event's fields; every error names the event type and the field.
struct FieldReader {
    let type: String
    let object: [String: JSONValue]

    func missing(_ key: String) -> ProtocolError {
        ProtocolError("\(type) event without \"\(key)\"")
    }

    private func mistyped(_ key: String, _ expected: String, _ value: JSONValue) -> ProtocolError {
        ProtocolError("\(type) event: \"\(key)\" must be \(expected), not \(value.kindDescription)")
    }

    private func value(_ key: String) throws -> JSONValue {
        guard let v = object[key] else { throw missing(key) }
        if v.isNull { throw ProtocolError("\(type) event: \"\(key)\" is null (a NaN or infinity written as JSON?)") }
        return v
    }

    func string(_ key: String) throws -> String {
        let v = try value(key)
        guard let s = v.string else { throw mistyped(key, "a string", v) }
        return s
    }

    func int(_ key: String) throws -> Int {
        let v = try value(key)
        guard let i = v.int else { throw mistyped(key, "an integer", v) }
        return i
    }

    func double(_ key: String) throws -> Double {
        let v = try value(key)
        guard let d = v.double else { throw mistyped(key, "a number", v) }
        return d
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let d = v.double else { throw mistyped(key, "a number or null", v) }
        return d
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let i = v.int else { throw mistyped(key, "an integer or null", v) }
        return i
    }

    func optionalString(_ key: String) throws -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let s = v.string else { throw mistyped(key, "a string or null", v) }
        return s
    }

    func strings(_ key: String) throws -> [String] {
        let v = try value(key)
        guard let items = v.array else { throw mistyped(key, "an array of strings", v) }
        return try items.map { item in
            guard let s = item.string else { throw mistyped(key, "an array of strings", item) }
            return s
        }
    }

    func intMap(_ key: String) throws -> [String: Int] {
        let v = try value(key)
        guard let members = v.object else { throw mistyped(key, "an object of integers", v) }
        return try members.mapValues { item in
            guard let i = item.int else { throw mistyped(key, "an object of integers", item) }
            return i
        }
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String) throws -> E where E.RawValue == String {
        let raw = try string(key)
        guard let e = E(rawValue: raw) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw ProtocolError("\(type) event: \"\(key)\" is \"\(raw)\", expected one of \(allowed)")
        }
        return e
    }
}
