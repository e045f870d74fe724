import OutreachCore
import OutreachProviders
import Testing

@Suite("Provider rates: the documented defaults, unless the config says")
struct ProviderRateTests {
    static func settings(_ kind: OutreachConfig.ProviderSettings.Kind, rate: Double? = nil) -> OutreachConfig.ProviderSettings {
        var settings = OutreachConfig.ProviderSettings()
        settings.kind = kind
        settings.ratePerSecond = rate
        return settings
    }

    @Test("46elks 100 a minute, Vonage 30 a second; Twilio and the Simulator unlimited (Twilio queues on its side)")
    func defaults() {
        #expect(ProviderRegistry.rate(for: Self.settings(.elks)) == 100.0 / 60.0)
        #expect(ProviderRegistry.rate(for: Self.settings(.vonage)) == 30)
        #expect(ProviderRegistry.rate(for: Self.settings(.twilio)) == nil)
        #expect(ProviderRegistry.rate(for: Self.settings(.simulator)) == nil)
    }

    @Test("the config's ratePerSecond wins over the default")
    func configWins() {
        #expect(ProviderRegistry.rate(for: Self.settings(.elks, rate: 5)) == 5)
        #expect(ProviderRegistry.rate(for: Self.settings(.twilio, rate: 10)) == 10)
    }
}
