import Synchronization
import Testing
import VerifyCore

@testable import App

@Suite("Destination screening settings")
struct ScreeningSettingsTests {
    static func settings(_ extra: [String: String]) throws -> ScreeningSettings {
        try ServeSettings.fromEnvironment(ServeSettingsTests.valid.merging(extra) { _, new in new }).screening
    }

    static func region(_ code: String) -> RegionCode { RegionCode(code)! }

    @Test("by default: no global geo layer, premium-like types and unknown numbers refused, nothing record-only")
    func defaults() throws {
        let settings = try Self.settings([:])
        #expect(settings.screening == StartScreening())
        #expect(settings.screening.geo == .none)
        #expect(settings.screening.refusedLineTypes == [.premiumRate, .sharedCost, .uan, .voicemail])
        #expect(settings.screening.refuseUnknownNumbers)
        #expect(settings.defaultRegion == nil)
        #expect(ScreeningSettings.regionsOff(settings.screening.geo.sms) == "AZ,BD,DZ,IL,LK,NG,OM,PK,PS,TJ,TN")
    }

    @Test("the geo lists, line types, unknown numbers and record-only rules are read as documented")
    func configured() throws {
        let settings = try Self.settings([
            "VERIFYD_GEO_ALLOW_SMS": "ng, pk", "VERIFYD_GEO_DENY_SMS": "JM,TT",
            "VERIFYD_GEO_ALLOW_VOICE": "US,CA", "VERIFYD_GEO_DENY_VOICE": "*",
            "VERIFYD_REFUSED_LINE_TYPES": "premium_rate, toll_free", "VERIFYD_REFUSE_UNKNOWN_NUMBERS": "false",
            "VERIFYD_RECORD_ONLY_RULES": "geo", "VERIFYD_DEFAULT_COUNTRY_CODE": "44",
        ])
        let geo = settings.screening.geo
        #expect(geo.sms.verdict(for: Self.region("NG")) == true)
        #expect(geo.sms.verdict(for: Self.region("JM")) == false)
        #expect(geo.sms.verdict(for: Self.region("US")) == nil)
        #expect(geo.voice.verdict(for: Self.region("CA")) == true)
        #expect(geo.voice.verdict(for: Self.region("GB")) == false)
        #expect(ScreeningSettings.regionsOff(geo.sms) == "AZ,BD,DZ,IL,JM,LK,OM,PS,TJ,TN,TT")
        #expect(ScreeningSettings.regionsOff(geo.voice) == "* except CA,US")
        #expect(settings.screening.refusedLineTypes == [.premiumRate, .tollFree])
        #expect(!settings.screening.refuseUnknownNumbers)
        #expect(settings.screening.recordOnly == [.geo])
        #expect(settings.defaultRegion == Self.region("GB"))
        #expect(try Self.settings(["VERIFYD_REFUSED_LINE_TYPES": "none"]).screening.refusedLineTypes.isEmpty)
        let everything = try Self.settings(["VERIFYD_GEO_ALLOW_SMS": "*"]).screening.geo.sms
        #expect(everything.verdict(for: Self.region("NG")) == true)
        #expect(ScreeningSettings.regionsOff(everything) == "none")
    }

    @Test("a default country code names its main region", arguments: [("1", "US"), ("7", "RU"), ("44", "GB")])
    func mainRegion(_ code: String, _ region: String) throws {
        #expect(try Self.settings(["VERIFYD_DEFAULT_COUNTRY_CODE": code]).defaultRegion == Self.region(region))
    }

    @Test("every bad value is reported at once, naming its variable")
    func problems() {
        let environment = ServeSettingsTests.valid.merging([
            "VERIFYD_GEO_DENY_SMS": "UK", "VERIFYD_GEO_ALLOW_VOICE": "NG", "VERIFYD_GEO_DENY_VOICE": "NG",
            "VERIFYD_REFUSED_LINE_TYPES": "premium,unknown", "VERIFYD_REFUSE_UNKNOWN_NUMBERS": "maybe",
            "VERIFYD_RECORD_ONLY_RULES": "number", "VERIFYD_DEFAULT_COUNTRY_CODE": "999",
        ]) { _, new in new }
        let error = #expect(throws: ConfigurationError.self) { try ServeSettings.fromEnvironment(environment) }
        let problems = error?.problems ?? []
        #expect(problems.count == 6, "\(problems)")
        for expected in [
            "VERIFYD_GEO_DENY_SMS name regions no phone number has: UK (the United Kingdom is GB)",
            "NG is in both", "VERIFYD_REFUSED_LINE_TYPES", "VERIFYD_REFUSE_UNKNOWN_NUMBERS",
            "VERIFYD_RECORD_ONLY_RULES", "VERIFYD_DEFAULT_COUNTRY_CODE",
        ] {
            #expect(problems.contains { $0.contains(expected) }, "\(expected) not reported")
        }
    }
}

@Suite("Service settings remembered between starts")
struct RecentServiceSettingsTests {
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ by: Duration) { offset.withLock { $0 += by } }
    }

    static let service = ServiceSid("VA" + String(repeating: "c", count: 32))!
    static let other = ServiceSid("VA" + String(repeating: "d", count: 32))!

    @Test("settings are recalled for their lifetime, then not; forget drops them at once")
    func lifetime() {
        let clock = Clock()
        let memo = RecentServiceSettings(lifetime: .seconds(5)) { clock.now }
        var settings = ServiceSettings(friendlyName: "Memo")
        settings.skipSmsToLandlines = true
        #expect(memo.recall(Self.service) == nil)
        memo.remember(settings, for: Self.service)
        clock.advance(.seconds(4))
        #expect(memo.recall(Self.service) == settings)
        #expect(memo.recall(Self.other) == nil)
        clock.advance(.seconds(1))
        #expect(memo.recall(Self.service) == nil, "5 s old is too old")
        memo.remember(settings, for: Self.service)
        memo.forget(Self.service)
        #expect(memo.recall(Self.service) == nil)
    }
}
