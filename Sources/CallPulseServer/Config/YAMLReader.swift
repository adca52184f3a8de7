import Foundation
import Yams

/// Walks a YAML node tree, reporting each problem as `FILE:LINE: message`.
struct YAMLReader {
    /// Which file a reader reads: it names the file in problems and picks the error's kind.
    enum Document {
        case config, rules

        var errorKind: ServerError.Kind { self == .config ? .invalidConfig : .invalidRules }
    }

    /// Where a key's value was set: a line of the file, or the flag that overrode it.
    enum Origin: Equatable {
        case line(Int)
        case flag(String)
    }

    let file: String
    private(set) var problems: [String] = []
    /// The line of each problem (0 when the node has none, `Int.max` for a flag), for `report`.
    private var lines: [Int] = []
    /// Where each key was set, by location: `timezone`, `limits.max_queues`, `overrides.0.queues`.
    /// A mapping is located at its key (a rule across its keys belongs there), anything
    /// else at its value.
    var origins: [String: Origin] = [:]

    /// The problems in line order (checks across entries run last but belong where they point).
    var report: [String] {
        zip(lines, problems).enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
    }

    init(file: String) { self.file = file }

    /// The text of a YAML file, or a problem naming it.
    static func contents(of path: String, _ document: Document) throws(ServerError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServerError(document.errorKind, "\(path): cannot read the \(document) file: \(error.localizedDescription)")
        }
    }

    /// The node tree of YAML text (nil when empty), or the syntax error with its line.
    static func compose(_ text: String, file: String, _ document: Document) throws(ServerError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw ServerError(document.errorKind, "\(file):\(describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
                return "\(mark.line): YAML syntax error: \(problem)"
            case .duplicatedKeysInMapping(let keys, let context):
                // Yams refuses the whole file; its own text quotes all of it.
                let names = keys.map { "'\($0)'" }.joined(separator: ", ")
                return "\(context.mark.line): \(keys.count == 1 ? "key \(names) is" : "keys \(names) are") set more than once"
            default:
                return "YAML error: \(yaml)"
            }
        }
        return "YAML error: \(error)"
    }

    mutating func problem(_ node: Node, _ message: String) {
        let line = node.mark.map { ":\($0.line)" } ?? ""
        problems.append("\(file)\(line): \(message)")
        lines.append(node.mark?.line ?? 0)
    }

    /// A problem with the key at `location` (`overrides.0.queues`), reported where that key,
    /// or the nearest enclosing one, was set; without an origin, at the file.
    mutating func problem(at location: String, _ message: String) {
        var components = location.split(separator: ".")
        while !components.isEmpty, origins[components.joined(separator: ".")] == nil { components.removeLast() }
        switch components.isEmpty ? nil : origins[components.joined(separator: ".")] {
        case .line(let line)?:
            problems.append("\(file):\(line): \(message)")
            lines.append(line)
        case .flag(let flag)?:
            problems.append("\(flag): \(message)")
            lines.append(Int.max)
        case nil:
            problems.append(file.isEmpty ? message : "\(file): \(message)")
            lines.append(0)
        }
    }

    /// Visits each key of a mapping; `visit` returns false for an unknown key. `path` names
    /// the keys in problems (`overrides[]`); `location` records their origins (`overrides.0`).
    mutating func mapping(_ node: Node, path: String, location: String? = nil,
                          _ visit: (String, Node, inout YAMLReader) -> Bool) {
        guard let mapping = node.mapping else {
            problem(node, "\(path.isEmpty ? "the config" : path) must be a mapping of keys to values")
            return
        }
        let prefix = location ?? path
        // A key set twice never gets here: composing refuses it (`describe`).
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                problem(keyNode, "keys must be plain strings")
                continue
            }
            let full = path.isEmpty ? key : "\(path).\(key)"
            if let line = (value.mapping != nil ? keyNode : value).mark?.line {
                origins[prefix.isEmpty ? key : "\(prefix).\(key)"] = .line(line)
            }
            if !visit(key, value, &self) { problem(keyNode, "unknown key '\(full)'") }
        }
    }

    mutating func sequence(_ node: Node, _ key: String, _ visit: (Node, inout YAMLReader) -> Void) {
        guard let sequence = node.sequence else {
            problem(node, "\(key) must be a list")
            return
        }
        for item in sequence { visit(item, &self) }
    }

    mutating func string(_ node: Node, _ key: String) -> String? {
        guard let scalar = node.scalar, scalar.style != .plain || isPlainString(node) else {
            problem(node, "\(key) must be a string")
            return nil
        }
        return scalar.string
    }

    private func isPlainString(_ node: Node) -> Bool {
        node.scalar != nil && node.int == nil && node.float == nil && node.bool == nil && node.null == nil
    }

    mutating func stringList(_ node: Node, _ key: String) -> [String]? {
        guard let sequence = node.sequence else {
            problem(node, "\(key) must be a list of strings")
            return nil
        }
        var values: [String] = []
        for item in sequence {
            guard let scalar = item.scalar else {
                problem(item, "\(key) must be a list of strings")
                return nil
            }
            values.append(scalar.string)
        }
        return values
    }

    mutating func numberList(_ node: Node, _ key: String) -> [Double]? {
        guard let sequence = node.sequence else {
            problem(node, "\(key) must be a list of numbers")
            return nil
        }
        var values: [Double] = []
        for item in sequence {
            guard let number = item.float ?? item.int.map(Double.init) else {
                problem(item, "\(key) must be a list of numbers")
                return nil
            }
            values.append(number)
        }
        return values
    }

    mutating func choice(_ node: Node, _ key: String, _ allowed: [String]) -> String? {
        guard let value = node.scalar?.string, allowed.contains(value) else {
            problem(node, "\(key) must be one of \(allowed.joined(separator: ", ")), not '\(node.scalar?.string ?? "a collection")'")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ key: String) -> Bool? {
        guard let value = node.bool else {
            problem(node, "\(key) must be true or false")
            return nil
        }
        return value
    }

    mutating func positiveInt(_ node: Node, _ key: String) -> Int? {
        guard let value = node.int, value > 0 else {
            problem(node, "\(key) must be a whole number above 0")
            return nil
        }
        return value
    }

    /// A share strictly between 0 and 1 (a service-level target: 1 is never met exactly).
    mutating func fraction(_ node: Node, _ key: String) -> Double? {
        guard let value = node.float ?? node.int.map(Double.init), value > 0, value < 1 else {
            problem(node, "\(key) must be a number between 0 and 1 (both excluded), such as 0.8")
            return nil
        }
        return value
    }

    /// A number of seconds (integer or decimal, ≥ 0), kept in ms.
    mutating func seconds(_ node: Node, _ key: String) -> Int64? {
        guard let value = node.float ?? node.int.map(Double.init), value.isFinite, value >= 0, value < 1e9 else {
            problem(node, "\(key) must be a number of seconds, 0 or more")
            return nil
        }
        return Int64((value * 1000).rounded())
    }

    mutating func duration(_ node: Node, _ key: String) -> Int64? {
        guard let text = node.scalar?.string, let millis = ValueParsers.duration(text), millis > 0 else {
            problem(node, "\(key) must be a duration such as 500ms, 30s, 5m or 1h30m, not '\(node.scalar?.string ?? "a collection")'")
            return nil
        }
        return millis
    }

    mutating func size(_ node: Node, _ key: String) -> Int? {
        guard let text = node.scalar?.string, let bytes = ValueParsers.size(text), bytes > 0 else {
            problem(node, "\(key) must be a size in bytes or with KiB, MiB or GiB, such as 8MiB")
            return nil
        }
        return bytes
    }
}
