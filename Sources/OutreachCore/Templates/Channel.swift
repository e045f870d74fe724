/// How one message reaches a person: a text message or a phone call read by a TTS voice.
/// Each channel has its own prompt file per template: `<template>.sms`, `<template>.voice`.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case sms, voice

    /// The prompt file name of `template` for this channel: "session-reminder.sms".
    public func fileName(of template: String) -> String { "\(template).\(rawValue)" }
}
