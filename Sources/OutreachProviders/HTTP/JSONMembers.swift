/// The top-level members of one JSON object, read in a single pass without building the whole document:
/// a provider's "message accepted" answer (about a kilobyte from Twilio) is read for every message sent, and
/// only two or three of its fields matter. Nested objects and arrays are checked and skipped.
///
/// Strict JSON (RFC 8259): anything else (trailing text, a bare value, a bad escape, nesting deeper than
/// `maxDepth` levels, the object itself being the first) gives nil, as `JSONDecoder` would. Invalid UTF-8
/// inside strings is replaced, not refused.
public struct JSONMembers: Sendable {
    /// A member's value: scalars as read, nested values only marked.
    public enum Value: Sendable, Equatable {
        case string(String)
        /// The number exactly as written ("1", "-2.5e3").
        case number(String)
        case bool(Bool)
        case null
        case nested
    }

    /// Members by name; a repeated name keeps its last value.
    public private(set) var values: [String: Value] = [:]

    public static let maxDepth = 64

    /// Bytes that end a plain run inside a string: the closing quote, a backslash, a control character.
    fileprivate static let stopsString: [Bool] = (0...255).map { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }

    /// Reads `bytes` as one JSON object; nil when they are not one. With `names`, only those members are kept:
    /// the others are checked and skipped without building their text.
    public init?(_ bytes: [UInt8], keeping names: Set<String>? = nil) {
        guard let members = bytes.withUnsafeBufferPointer({ buffer -> [String: Value]? in
            var parser = Parser(buffer: buffer, names: names)
            return parser.document()
        }) else { return nil }
        values = members
    }

    public subscript(name: String) -> Value? { values[name] }

    /// A non-empty string, or an integer written as a number: the way Twilio sends counts and codes
    /// ("num_segments": "1", "code": 21211).
    public func stringOrInteger(_ name: String) -> String? {
        switch values[name] {
        case .string(let text) where !text.isEmpty: return text
        case .number(let text) where Int(text) != nil: return text
        default: return nil
        }
    }

    /// A string member's text.
    public func string(_ name: String) -> String? {
        if case .string(let text) = values[name] { return text }
        return nil
    }

    private struct Parser {
        let buffer: UnsafeBufferPointer<UInt8>
        /// The names to keep, compared with a member's bytes before any text is built; nil keeps all.
        let wanted: Set<String>?
        var index = 0

        init(buffer: UnsafeBufferPointer<UInt8>, names: Set<String>?) {
            self.buffer = buffer
            self.wanted = names
        }

        mutating func document() -> [String: Value]? {
            skipSpace()
            guard peek == UInt8(ascii: "{") else { return nil }
            // Kept names are few: room for them at once, no growing.
            var members: [String: Value]? = Dictionary(minimumCapacity: wanted?.count ?? 16)
            guard container(depth: 1, into: &members) else { return nil }
            skipSpace()
            return index == buffer.count ? members : nil
        }

        var peek: UInt8? { index < buffer.count ? buffer[index] : nil }

        // The scanning loops below work on a local index: the parser's own is stored back once.
        mutating func skipSpace() {
            var position = index
            while position < buffer.count {
                let byte = buffer[position]
                guard byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D else { break }
                position += 1
            }
            index = position
        }

        /// The end of the plain run of string bytes from `start`: the first quote, backslash or control byte.
        /// Most of an answer is string bytes, so this loop is one table lookup per byte.
        func plainEnd(from start: Int) -> Int {
            guard start < buffer.count, let base = buffer.baseAddress else { return start }
            return JSONMembers.stopsString.withUnsafeBufferPointer { stops in
                var position = start
                let end = buffer.count
                while position < end, !stops[Int(base[position])] { position += 1 }
                return position
            }
        }

        /// The value at `index`; a value not kept is checked and skipped, and comes back as `.null`.
        mutating func value(depth: Int, keep: Bool = true) -> Value? {
            guard let byte = peek else { return nil }
            switch byte {
            case UInt8(ascii: "\""): return string(keep: keep).map { keep ? .string($0) : .null }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var skipped: [String: Value]?
                return container(depth: depth + 1, into: &skipped) ? .nested : nil
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let range = number() else { return nil }
                return keep ? .number(String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)) : .null
            default: return nil
            }
        }

        /// The object or array at `index`, checked to its end. With `members`, an object's members are kept there
        /// (those in `names`, or all); without, everything inside is skipped without building text.
        mutating func container(depth: Int, into members: inout [String: Value]?) -> Bool {
            guard depth <= JSONMembers.maxDepth, let open = peek else { return false }
            let isObject = open == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipSpace()
            if peek == close { index += 1; return true }
            while true {
                skipSpace()
                var name: String?
                if isObject {
                    guard peek == UInt8(ascii: "\""), memberName(keep: members != nil, into: &name) else { return false }
                    skipSpace()
                    guard peek == UInt8(ascii: ":") else { return false }
                    index += 1
                    skipSpace()
                }
                guard let value = value(depth: depth, keep: name != nil) else { return false }
                if let name { members?[name] = value }
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                guard peek == close else { return false }
                index += 1
                return true
            }
        }

        /// Reads a member's name at `index` (its opening quote). `name` is set when the member is to be kept: a name
        /// without escapes is compared byte for byte with the wanted ones, so skipped members build no text.
        mutating func memberName(keep: Bool, into name: inout String?) -> Bool {
            guard keep, let wanted else {
                guard let read = string(keep: keep) else { return false }
                if keep { name = read }
                return true
            }
            let start = index + 1
            let end = plainEnd(from: start)
            if end < buffer.count, buffer[end] == UInt8(ascii: "\"") {
                index = end + 1
                let bytes = UnsafeBufferPointer(rebasing: buffer[start..<end])
                if wanted.contains(where: { Self.equal($0, bytes) }) { name = String(decoding: bytes, as: UTF8.self) }
                return true
            }
            // Escapes (or a malformed name): the full reader decides, then the text is compared.
            guard let read = string(keep: true) else { return false }
            if wanted.contains(read) { name = read }
            return true
        }

        /// `name`'s UTF-8 is exactly `bytes` (lengths first: most names differ there).
        static func equal(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard name.utf8.count == bytes.count else { return false }
            return name.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? name.utf8.elementsEqual(bytes)
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= buffer.count else { return false }
            for offset in 0..<count where buffer[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// The bytes of a number at `index`.
        mutating func number() -> Range<Int>? {
            let start = index
            if peek == UInt8(ascii: "-") { index += 1 }
            guard let first = peek, isDigit(first) else { return nil }
            index += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard let byte = peek, isDigit(byte) else { return nil }
                skipDigits()
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard let byte = peek, isDigit(byte) else { return nil }
                skipDigits()
            }
            return start..<index
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            var position = index
            while position < buffer.count, isDigit(buffer[position]) { position += 1 }
            index = position
        }

        /// A string at `index` (which is the opening quote), unescaped; "" when not kept (checked, text not built).
        mutating func string(keep: Bool = true) -> String? {
            index += 1
            let start = index
            // The common case: no escapes, so the text is the bytes between the quotes.
            index = plainEnd(from: start)
            guard let stop = peek, stop >= 0x20 else { return nil }
            if stop == UInt8(ascii: "\"") {
                index += 1
                return keep ? String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<(index - 1)]), as: UTF8.self) : ""
            }
            var text = keep ? Array(buffer[start..<index]) : []
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return keep ? String(decoding: text, as: UTF8.self) : ""
                case UInt8(ascii: "\\"):
                    if !keep { text.removeAll(keepingCapacity: true) }
                    guard unescape(into: &text) else { return nil }
                case 0..<0x20:
                    return nil
                default:
                    if keep { text.append(byte) }
                }
            }
            return nil
        }

        /// One escape after its backslash, appended as UTF-8.
        mutating func unescape(into text: inout [UInt8]) -> Bool {
            guard let byte = peek else { return false }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return false }
                if (0xD800..<0xDC00).contains(unit), literal("\\u") {
                    // A high surrogate and another escape: one character when that is a low surrogate.
                    guard let low = hex4() else { return false }
                    if (0xDC00..<0xE000).contains(low) {
                        Self.append(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &text)
                    } else {
                        Self.append(unit, to: &text)  // a lone surrogate: U+FFFD
                        Self.append(low, to: &text)
                    }
                } else {
                    Self.append(unit, to: &text)
                }
            default:
                return false
            }
            return true
        }

        /// A code point as UTF-8; a lone surrogate becomes U+FFFD.
        static func append(_ codePoint: UInt32, to text: inout [UInt8]) {
            let scalar = Unicode.Scalar(codePoint) ?? "\u{FFFD}"
            text.append(contentsOf: String(Character(scalar)).utf8)
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= buffer.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = buffer[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
