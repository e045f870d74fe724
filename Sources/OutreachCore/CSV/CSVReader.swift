/// One record of a CSV file with the line number it starts on (1-based, counting the header).
public struct CSVRecord: Equatable, Sendable {
    public let line: Int
    public let fields: [String]
}

public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// An RFC 4180 reader: quoted fields, doubled quotes, commas and newlines inside quotes, CRLF or LF,
/// UTF-8 with or without a byte-order mark. Streams records so large lists need not be held twice.
public struct CSVReader: Sequence, IteratorProtocol {
    private var scalars: String.UnicodeScalarView.Iterator
    private var pending: Unicode.Scalar?
    private var line = 1
    private var finished = false
    public let delimiter: Unicode.Scalar

    public init(text: String, delimiter: Unicode.Scalar = ",") {
        var view = text.unicodeScalars.makeIterator()
        let first = view.next()
        // A byte-order mark is not data (Excel writes one).
        self.pending = first == "\u{FEFF}" ? nil : first
        self.scalars = view
        self.delimiter = delimiter
        if first == nil { finished = true }
    }

    private mutating func nextScalar() -> Unicode.Scalar? {
        if let scalar = pending {
            pending = nil
            return scalar
        }
        return scalars.next()
    }

    /// The next record, or nil at the end. A malformed record yields a failure and stops the reader.
    public mutating func next() -> Result<CSVRecord, CSVError>? {
        while !finished {
            let startLine = line
            switch readRecord() {
            case .failure(let error):
                finished = true
                return .failure(error)
            case .success(let fields):
                // Skip blank lines (a single empty field) rather than report them as rows.
                if fields == [""] { continue }
                return .success(CSVRecord(line: startLine, fields: fields))
            case nil:
                finished = true
            }
        }
        return nil
    }

    private mutating func readRecord() -> Result<[String], CSVError>? {
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var sawAnything = false
        while true {
            guard let scalar = nextScalar() else {
                if !sawAnything { return nil }
                fields.append(String(field))
                return .success(fields)
            }
            sawAnything = true
            switch scalar {
            case "\"" where field.isEmpty:
                let quotedStart = line
                switch readQuoted(into: &field) {
                case .failure(let error): return .failure(error)
                case .success(let terminator):
                    switch terminator {
                    case .delimiter: fields.append(String(field)); field = .init()
                    case .endOfRecord, .endOfInput: fields.append(String(field)); return .success(fields)
                    case .stray(let char):
                        return .failure(CSVError(line: line, message:
                            "unexpected '\(char)' after the closing quote of a field that starts on line \(quotedStart)"))
                    }
                }
            case "\"":
                return .failure(CSVError(line: line, message: "a quote inside an unquoted field: put the whole field in quotes and double the quote (\"\")"))
            case delimiter:
                fields.append(String(field))
                field = .init()
            case "\r":
                if let next = nextScalar(), next != "\n" { pending = next }
                line += 1
                fields.append(String(field))
                return .success(fields)
            case "\n":
                line += 1
                fields.append(String(field))
                return .success(fields)
            default:
                field.append(scalar)
            }
        }
    }

    private enum Terminator { case delimiter, endOfRecord, endOfInput, stray(Unicode.Scalar) }

    private mutating func readQuoted(into field: inout String.UnicodeScalarView) -> Result<Terminator, CSVError> {
        let startLine = line
        while let scalar = nextScalar() {
            if scalar == "\"" {
                guard let next = nextScalar() else { return .success(.endOfInput) }
                switch next {
                case "\"": field.append("\"")
                case delimiter: return .success(.delimiter)
                case "\n": line += 1; return .success(.endOfRecord)
                case "\r":
                    if let after = nextScalar(), after != "\n" { pending = after }
                    line += 1
                    return .success(.endOfRecord)
                default: return .success(.stray(next))
                }
            } else if scalar == "\r" {
                // A CRLF inside quotes is one line break: keep it as "\n" like a bare LF.
                let next = nextScalar()
                if next != "\n" { pending = next }
                line += 1
                field.append("\n")
            } else {
                if scalar == "\n" { line += 1 }
                field.append(scalar)
            }
        }
        return .failure(CSVError(line: startLine, message: "a quoted field is never closed (missing \")"))
    }
}
