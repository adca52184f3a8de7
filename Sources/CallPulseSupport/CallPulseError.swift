/// The one error convention (docs/errors.md): each layer throws one error type, named
/// after the layer (`CoreError`, `AlertingError`, `HTTPAdapterError`, `ServerError`,
/// `PersistenceError`), with a stable `code` and a `description` that is a sentence
/// naming what failed.
public protocol CallPulseError: Error, CustomStringConvertible, Sendable {
    /// What failed, in snake_case (`unknown_time_zone`, `invalid_config`): never reworded,
    /// so scripts, tests and HTTP error reasons may match on it.
    var code: String { get }
}
