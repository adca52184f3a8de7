/// The one error convention (docs/errors.md): each layer throws one error type, named
/// after the layer (`CoreError`, `AlertingError`, `HTTPAdapterError`, `ServerError`,
/// `PersistenceError`), with a stable `code` and a `description` that is a sentence
/// naming what failed.
public protocol CallPulseError: Error, CustomStringConvertible, Sendable {
    /// What failed, in snake_case (`unknown_time_zone`, `invalid_config`): never reworded,
    /// so scripts, tests and HTTP error reasons may match on it.
    var code: String { get }
}

/// What can fail in one layer: an enum whose raw values are the codes.
public protocol ErrorKind: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {}

/// A layer's error: each layer names one, `typealias CoreError = LayerError<CoreErrorKind>`,
/// so every layer's error has the same shape and only its kinds differ.
public struct LayerError<LayerKind: ErrorKind>: CallPulseError, Equatable {
    /// `CoreError.Kind`, `ServerError.Kind`, …: the layer's kinds.
    public typealias Kind = LayerKind

    public let kind: Kind
    /// Each problem a sentence; one unless a file has several (then in line order).
    public let problems: [String]
    public var code: String { kind.rawValue }
    public var description: String { problems.joined(separator: "\n") }

    public init(_ kind: Kind, problems: [String]) {
        self.kind = kind
        self.problems = problems
    }

    public init(_ kind: Kind, _ description: String) {
        self.init(kind, problems: [description])
    }
}
