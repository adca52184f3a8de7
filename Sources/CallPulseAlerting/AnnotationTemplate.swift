/// An annotation with `{{ $labels.NAME }}`, `{{ $value }}` and `{{ $threshold }}`
/// placeholders; anything else in braces is refused when the rule loads.
public struct AnnotationTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case label(String)
        case value
        case threshold
    }

    let parts: [Part]

    /// Parses a template; throws on any placeholder other than the three allowed.
    public init(_ source: String) throws(AlertingError) {
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw AlertingError(.invalidTemplate, "'{{' without a closing '}}'")
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            switch inner {
            case "$value": parts.append(.value)
            case "$threshold": parts.append(.threshold)
            default:
                guard inner.hasPrefix("$labels."), inner.count > 8,
                      inner.dropFirst(8).allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw AlertingError(.invalidTemplate, "'{{ \(inner) }}' is not one of {{ $labels.NAME }}, {{ $value }}, {{ $threshold }}")
                }
                parts.append(.label(String(inner.dropFirst(8))))
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The text with placeholders filled in.
    public func render(labels: [String: String], value: Double, threshold: Double) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .label(let name): labels[name] ?? ""
            case .value: formatNumber(value)
            case .threshold: formatNumber(threshold)
            }
        }.joined()
    }
}

/// Numbers as people read them in alerts: `12`, `0.75`, `3.333`.
public func formatNumber(_ value: Double) -> String {
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    let rounded = (value * 1000).rounded() / 1000
    return String(rounded)
}
