import CallPulseSupport

/// What failed in alerting (docs/errors.md).
public struct AlertingError: CallPulseError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// An annotation template with a placeholder other than the three allowed.
        case invalidTemplate = "invalid_template"
    }

    public let kind: Kind
    public let description: String
    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
