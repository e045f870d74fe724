import Testing
@testable import OutreachProviders

@Suite("Callback URLs carry our parameters")
struct CallbackQueryTests {
    @Test("a parameter goes into the query, before any fragment", arguments: [
        ("https://gw.example/hooks/twilio/sms/status", "https://gw.example/hooks/twilio/sms/status?message_id=42"),
        ("https://gw.example/hooks/elks/sms/status?key=s3cr3t", "https://gw.example/hooks/elks/sms/status?key=s3cr3t&message_id=42"),
        ("https://gw.example/status?", "https://gw.example/status?message_id=42"),
        ("https://gw.example/status?a=1&", "https://gw.example/status?a=1&message_id=42"),
        ("https://gw.example/status#top", "https://gw.example/status?message_id=42#top"),
        ("https://gw.example/status#why?not", "https://gw.example/status?message_id=42#why?not"),
        ("https://gw.example/råslätt/status?ö=1#å", "https://gw.example/råslätt/status?ö=1&message_id=42#å"),
    ])
    func appending(url: String, expected: String) {
        #expect(CallbackQuery.status(url, messageID: 42) == expected)
    }
}
