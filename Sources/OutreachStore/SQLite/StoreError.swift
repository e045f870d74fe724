/// A database failure, described without any bound value: bound values are phone numbers and message bodies.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case open
        case constraint
        case busy
        case schemaTooNew
        case migration
        case notFound
        case other
    }

    public let kind: Kind
    public let message: String
    /// The SQLite result code (extended), 0 when the error is ours.
    public let code: Int32

    public init(_ kind: Kind, _ message: String, code: Int32 = 0) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var description: String { message }
}
