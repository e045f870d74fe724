import Foundation

/// Formats date-times for prompts: Gregorian calendar (the sessions are in the Nordic countries), the
/// session's time zone, and the language's own digits (Arabic-Indic for ar and ckb, Persian for fa).
/// Format styles, not DateFormatter: they are Sendable and Foundation caches their ICU formatters
/// (a DateFormatter per call cost about 0.4 ms).
struct DateTimeFormatter: Sendable {
    let locale: Locale
    let timeZone: TimeZone

    func format(_ date: Date, as filter: TemplateFilter) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.locale = locale
        let style = Date.FormatStyle(date: .omitted, time: .omitted, locale: locale, calendar: calendar, timeZone: timeZone)
        switch filter {
        case .weekday:
            return date.formatted(style.weekday(.wide))             // "tisdag", "الثلاثاء"
        case .date:
            return date.formatted(style.day().month(.wide))         // "25 november", "٢٥ نوفمبر", "25. marraskuuta"
        case .time, .upper:
            // Always 24-hour "HH:mm" (an en_US locale would otherwise say "02:00"), in the locale's digits.
            let verbatim = Date.VerbatimFormatStyle(
                format: "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                locale: locale, timeZone: timeZone, calendar: calendar)
            return date.formatted(verbatim)
        }
    }

    /// Languages whose locale data on Linux gives Latin digits unless asked for their own numbering system.
    static let nativeDigits: [String: String] = ["ar": "arab", "fa": "arabext", "ckb": "arab"]

    /// The Foundation locale for a catalog identifier. A "-u-nu-xxx" extension is rewritten to "@numbers=xxx"
    /// (Foundation on Linux crashes on "ar-u-nu-arab"), and Arabic-script languages get their own digits
    /// unless the identifier names a numbering system.
    static func locale(identifier: String, language: String) -> Locale {
        var identifier = identifier
        var numbers: String?
        if let range = identifier.range(of: "-u-nu-") {
            numbers = identifier[range.upperBound...].prefix { $0.isLetter || $0.isNumber }.lowercased()
            identifier.removeSubrange(range.lowerBound..<identifier.index(range.upperBound, offsetBy: numbers!.count))
        }
        if !identifier.contains("numbers=") {
            let primary = language.split(separator: "-").first.map(String.init) ?? language
            if let numbers = numbers ?? nativeDigits[primary] {
                identifier += (identifier.contains("@") ? ";" : "@") + "numbers=\(numbers)"
            }
        }
        return Locale(identifier: identifier)
    }
}
