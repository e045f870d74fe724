import Foundation

/// A response as received, whatever its status: 4xx and 5xx are responses, not errors.
public struct HTTPResponse: Sendable, Equatable {
    public let status: Int
    /// Headers of the final response (interim 1xx and redirect responses are dropped).
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Seconds to wait according to `Retry-After`, given as delta-seconds or an HTTP-date
    /// (a date in the past gives 0). `nil` when the header is missing or unreadable.
    public func retryAfter(now: Date) -> TimeInterval? {
        guard let raw = headers["Retry-After"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            return nil
        }
        if raw.allSatisfy(\.isASCII), raw.allSatisfy(\.isNumber) {
            return TimeInterval(raw)
        }
        guard let date = HTTPDate.parse(raw) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate, plus the obsolete RFC 850 and asctime forms.
enum HTTPDate {
    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz",
        "EEEE, dd-MMM-yy HH:mm:ss zzz",
        "EEE MMM d HH:mm:ss yyyy",
    ]

    static func parse(_ text: String) -> Date? {
        // DateFormatter is not Sendable: one per call keeps this free of shared state.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
