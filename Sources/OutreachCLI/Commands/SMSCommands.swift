import OutreachCore

enum SMSCommands {
    static let node = CommandNode("sms", summary: "SMS encoding tools", children: [
        CommandNode("inspect", summary: "encoding and segment count of texts", help: """
            Usage: outreach sms inspect [--smart] < texts.txt

            Reads one text a line on stdin (a line break inside a text is written \\n) and prints one line each:
            ENCODING<TAB>SEGMENTS<TAB>UNITS, ENCODING GSM-7 or UCS-2, UNITS septets (GSM-7, extension
            characters count two) or UTF-16 code units (UCS-2). Single messages hold 160 septets or 70 units,
            long ones 153 or 67 per segment.
              --smart   replace typographic quotes, dashes and spaces by GSM-7 ones when that avoids UCS-2
            """) { arguments, context in
            let smart = arguments.flag("--smart")
            try arguments.finish()
            while let line = context.console.nextInputLine() {
                let inspection = SMSEncoder.inspect(unescape(line), smartEncoding: smart)
                context.console.print("\(inspection.encoding.rawValue)\t\(inspection.segments)\t\(inspection.units)")
            }
        },
    ])

    /// `\n` → line break, `\\` → backslash; any other backslash stays as it is.
    static func unescape(_ line: String) -> String {
        var result = ""
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else { result.append(character); continue }
            switch iterator.next() {
            case "n"?: result.append("\n")
            case "\\"?: result.append("\\")
            case let other?: result.append("\\"); result.append(other)
            case nil: result.append("\\")
            }
        }
        return result
    }
}
