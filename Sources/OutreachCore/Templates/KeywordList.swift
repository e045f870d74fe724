import Foundation

/// `Prompts/<lang>/keywords.json5`: the reply words of one language, lower case, as people type them.
/// Digits and the English STOP/START/HELP words are built into `KeywordMatcher` and need not be listed.
public struct KeywordList: Equatable, Sendable {
    public var yes: [String]
    public var no: [String]
    public var stop: [String]
    public var start: [String]
    public var help: [String]

    public init(yes: [String] = [], no: [String] = [], stop: [String] = [], start: [String] = [], help: [String] = []) {
        self.yes = yes
        self.no = no
        self.stop = stop
        self.start = start
        self.help = help
    }

    public subscript(intent: ReplyIntent) -> [String] {
        switch intent {
        case .yes: return yes
        case .no: return no
        case .stop: return stop
        case .start: return start
        case .help: return help
        }
    }

    /// Decodes a `keywords.json5` file (JSON5); `file` names it in errors ("ar/keywords.json5").
    public static func decode(_ data: Data, file: String) throws(PromptFileError) -> KeywordList {
        try decodeJSON5(KeywordList.self, from: data, file: file)
    }
}

extension KeywordList: Encodable {}

extension KeywordList: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case yes, no, stop, start, help }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        yes = try container.decodeIfPresent([String].self, forKey: .yes) ?? []
        no = try container.decodeIfPresent([String].self, forKey: .no) ?? []
        stop = try container.decodeIfPresent([String].self, forKey: .stop) ?? []
        start = try container.decodeIfPresent([String].self, forKey: .start) ?? []
        help = try container.decodeIfPresent([String].self, forKey: .help) ?? []
    }
}
