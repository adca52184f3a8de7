import CallPulseSupport

/// What failed in the HTTP adapter (docs/errors.md).
public struct HTTPAdapterError: CallPulseError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The server cannot bind its address (in use, or not an address of this machine).
        case cannotListen = "cannot_listen"
        /// A gzip body that would inflate past the body limit.
        case bodyTooLarge = "body_too_large"
        /// A body that is not a valid gzip stream.
        case corruptGzip = "corrupt_gzip"
    }

    public let kind: Kind
    public let description: String
    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
