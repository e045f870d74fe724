/// The TwiML documents of our voice flow.
///
/// A call plays the script inside a one-digit `<Gather>`; the pressed key goes to
/// `{callbackBaseURL}/voice/gather?message_id=…`. No key before the timeout falls through to the
/// `<Redirect>`, which calls the same URL with `empty=1` (so "pressed nothing" is an event too).
/// Key 9 ("say it again") is answered with the same Gather while replays last (`replay=N` in the URL
/// counts them); any other answer ends the call with `<Hangup/>`.
public enum TwilioTwiML {
    public static let xmlDeclaration = #"<?xml version="1.0" encoding="UTF-8"?>"#
    /// The empty answer: nothing to say, no reply SMS.
    public static let empty = xmlDeclaration + "<Response/>"
    public static let hangup = xmlDeclaration + "<Response><Hangup/></Response>"
    /// How many times key 9 replays the script before the call is ended.
    public static let maxReplays = 3

    /// The prompt with its keypad gather. `replay` is 0 for the first play.
    public static func prompt(script: VoiceScript, callbackBaseURL: String, messageID: Int64, replay: Int = 0) -> String {
        let gatherURL = gatherURL(callbackBaseURL: callbackBaseURL, messageID: messageID, replay: replay)
        let play: String
        switch script {
        case .speech(let text, let language):
            let voice = voice(for: language).map { #" voice="\#(escape($0))""# } ?? ""
            play = #"<Say language="\#(escape(language))"\#(voice)>\#(escape(text))</Say>"#
        case .audio(let url):
            play = "<Play>\(escape(url))</Play>"
        }
        return "<Response>"
            + #"<Gather input="dtmf" numDigits="1" timeout="8" action="\#(escape(gatherURL))">"#
            + play + "</Gather>"
            + "<Redirect>\(escape(gatherURL + "&empty=1"))</Redirect>"
            + "</Response>"
    }

    /// The voice that speaks `language`: Twilio's default (`man`) speaks a handful of languages, and with another one the
    /// `<Say>` may fail and the senior hear nothing. Google's standard voice of the locale ("Google.sv-SE-Standard-A"),
    /// which Twilio offers for each locale the catalog gives it (sv-SE, en-GB, ar-XA, fi-FI, nb-NO, tr-TR). nil for a
    /// code without a region.
    public static func voice(for language: String) -> String? {
        let parts = language.split(separator: "-")
        guard parts.count == 2, (2...3).contains(parts[0].count), parts[1].count == 2,
              language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else { return nil }
        return "Google.\(language)-Standard-A"
    }

    /// "{callbackBaseURL}/voice/gather?message_id={id}" (plus "&replay=N" after a replay).
    public static func gatherURL(callbackBaseURL: String, messageID: Int64, replay: Int = 0) -> String {
        "\(trimmed(callbackBaseURL))/voice/gather?message_id=\(messageID)" + (replay > 0 ? "&replay=\(replay)" : "")
    }

    /// "{callbackBaseURL}/voice/status?message_id={id}".
    public static func statusURL(callbackBaseURL: String, messageID: Int64) -> String {
        "\(trimmed(callbackBaseURL))/voice/status?message_id=\(messageID)"
    }

    /// XML text and attribute escaping.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func trimmed(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
