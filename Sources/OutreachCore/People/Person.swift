/// What a person does for the meeting place.
public enum Role: String, CaseIterable, Sendable, Codable {
    case senior, guide, coordinator
}

/// How a person wants to be reached.
public enum ContactChannel: String, CaseIterable, Sendable, Codable {
    case sms, voice, both

    public var includesSMS: Bool { self != .voice }
    public var includesVoice: Bool { self != .sms }
}

/// A senior, health guide or coordinator as imported from a coordinator's list.
public struct Person: Equatable, Sendable, Codable {
    public var id: Int64?
    public var role: Role
    public var name: String
    public var phone: PhoneNumber
    /// BCP-47 language code, e.g. "sv", "ar", "ckb".
    public var language: String
    public var channel: ContactChannel
    /// Where a guide picks the senior up ("Råslättsvägen 12, port B").
    public var pickup: String
    public var notes: String

    public init(id: Int64? = nil, role: Role, name: String, phone: PhoneNumber, language: String,
                channel: ContactChannel, pickup: String = "", notes: String = "") {
        self.id = id
        self.role = role
        self.name = name
        self.phone = phone
        self.language = language
        self.channel = channel
        self.pickup = pickup
        self.notes = notes
    }

    /// The name a message greets with: the first word of the full name.
    public var firstName: String {
        String(name.split(separator: " ", maxSplits: 1).first ?? Substring(name))
    }
}
