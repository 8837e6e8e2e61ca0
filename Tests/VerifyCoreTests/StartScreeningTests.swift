import Logging
import Testing
import VerifyCore

@Suite("StartScreening")
struct StartScreeningTests {
    static func region(_ code: String) -> RegionCode { RegionCode(code)! }

    /// What the metadata would say of a valid number of `type` in `region`.
    static func facts(_ type: LineType, in region: String, callingCode: Int = 1) -> NumberFacts {
        NumberFacts(
            isValid: true, isPossible: true, region: Self.region(region), lineType: type, callingCode: callingCode)
    }

    static let usMobile = facts(.fixedLineOrMobile, in: "US")
    static let ukLandline = facts(.fixedLine, in: "GB", callingCode: 44)
    static let nigerianMobile = facts(.mobile, in: "NG", callingCode: 234)
    static let jamaicanMobile = facts(.mobile, in: "JM")
    /// A +1 number of the right length in a range the metadata does not know (a newer area code).
    static let newNANPRange = NumberFacts(
        isValid: false, isPossible: true, region: nil, lineType: .unknown, callingCode: 1)
    static let tooLong = NumberFacts(isValid: false, isPossible: false, region: nil, lineType: .unknown, callingCode: 1)

    static func service(_ configure: (inout ServiceSettings) -> Void = { _ in }) -> ServiceSettings {
        var settings = ServiceSettings(friendlyName: "Screened")
        configure(&settings)
        return settings
    }

    static func geo(sms: (String, String) = ("", ""), voice: (String, String) = ("", "")) -> GeoPermissions {
        GeoPermissions(
            sms: try! GeoRules(allow: sms.0, deny: sms.1), voice: try! GeoRules(allow: voice.0, deny: voice.1))
    }

    /// The outcome a row expects: allowed, or refused by `rule` with `reason`.
    struct Expected: Sendable, Equatable {
        var rule: StartScreening.Rule?
        var reason: VerifyError.Reason?
        var region: String?
        var layer: GeoLayer?
        var recorded: [StartScreening.Rule] = []

        static let allowed = Expected()
        static func refused(
            _ rule: StartScreening.Rule, _ reason: VerifyError.Reason, region: String? = nil, layer: GeoLayer? = nil
        ) -> Expected {
            Expected(rule: rule, reason: reason, region: region, layer: layer)
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var facts: NumberFacts
        var regions: [String]? = nil
        var channel: Channel = .sms
        var screening = StartScreening()
        var service: ServiceSettings? = StartScreeningTests.service()
        var safeListed = false
        var expected: Expected
    }

    static let rows: [Row] = [
        Row(testDescription: "a US number by SMS: allowed", facts: usMobile, expected: .allowed),
        Row(testDescription: "a UK landline by SMS: allowed", facts: ukLandline, expected: .allowed),
        Row(
            testDescription: "an impossible number: 60200 whatever else is set", facts: tooLong,
            screening: StartScreening(refusedLineTypes: [], refuseUnknownNumbers: false), safeListed: true,
            expected: .refused(.number, .invalidParameter("To"))),
        Row(
            testDescription: "a possible number in no known range: 60200 by default", facts: newNANPRange,
            regions: ["US", "JM"], expected: .refused(.lineType, .invalidParameter("To"))),
        Row(
            testDescription: "a possible number in no known range, unknown numbers allowed: allowed",
            facts: newNANPRange, regions: ["US", "JM"], screening: StartScreening(refuseUnknownNumbers: false),
            expected: .allowed),
        Row(
            testDescription: "an unplaced +1 number, unknown numbers allowed, JM off: 60605, it may be in JM",
            facts: newNANPRange, regions: ["US", "JM", "TT"],
            screening: StartScreening(geo: geo(sms: ("", "JM")), refuseUnknownNumbers: false),
            expected: .refused(.geo, .destinationBlocked, region: "JM", layer: .global)),
        Row(
            testDescription: "premium rate: 60410", facts: facts(.premiumRate, in: "US"),
            expected: .refused(.lineType, .lineTypeRefused)),
        Row(
            testDescription: "premium rate by call: 60410", facts: facts(.premiumRate, in: "GB", callingCode: 44),
            channel: .call, expected: .refused(.lineType, .lineTypeRefused)),
        Row(
            testDescription: "shared cost, known before the service is: 60410",
            facts: facts(.sharedCost, in: "FR", callingCode: 33), service: nil,
            expected: .refused(.lineType, .lineTypeRefused)),
        Row(
            testDescription: "UAN and voicemail: 60410", facts: facts(.uan, in: "GB", callingCode: 44),
            expected: .refused(.lineType, .lineTypeRefused)),
        Row(
            testDescription: "voicemail: 60410", facts: facts(.voicemail, in: "TT"),
            expected: .refused(.lineType, .lineTypeRefused)),
        Row(
            testDescription: "premium rate with no line types refused: allowed", facts: facts(.premiumRate, in: "US"),
            screening: StartScreening(refusedLineTypes: []), expected: .allowed),
        Row(
            testDescription: "toll free when the operator refuses it: 60410", facts: facts(.tollFree, in: "US"),
            screening: StartScreening(refusedLineTypes: [.tollFree]), expected: .refused(.lineType, .lineTypeRefused)),
        Row(
            testDescription: "premium rate on the Safe List: allowed", facts: facts(.premiumRate, in: "US"),
            safeListed: true, expected: .allowed),
        Row(
            testDescription: "a landline by SMS with SkipSmsToLandlines: 60205", facts: ukLandline,
            service: service {
                $0.lookupEnabled = true
                $0.skipSmsToLandlines = true
            },
            expected: .refused(.landline, .landline)),
        Row(
            testDescription: "a landline by SMS with SkipSmsToLandlines, on the Safe List: still 60205",
            facts: ukLandline,
            service: service {
                $0.lookupEnabled = true
                $0.skipSmsToLandlines = true
            },
            safeListed: true, expected: .refused(.landline, .landline)),
        Row(
            testDescription: "a landline by call with SkipSmsToLandlines: allowed", facts: ukLandline, channel: .call,
            service: service {
                $0.lookupEnabled = true
                $0.skipSmsToLandlines = true
            }, expected: .allowed),
        Row(
            testDescription: "fixed line or mobile by SMS with SkipSmsToLandlines: allowed", facts: usMobile,
            service: service {
                $0.lookupEnabled = true
                $0.skipSmsToLandlines = true
            }, expected: .allowed),
        Row(
            testDescription: "a landline with SkipSmsToLandlines, service not known yet: allowed for now",
            facts: ukLandline, service: nil, expected: .allowed),
        Row(
            testDescription: "Nigeria by default: 60605", facts: nigerianMobile,
            expected: .refused(.geo, .destinationBlocked, region: "NG", layer: .defaults)),
        Row(
            testDescription: "Nigeria by call by default: 60605", facts: nigerianMobile, channel: .call,
            expected: .refused(.geo, .destinationBlocked, region: "NG", layer: .defaults)),
        Row(
            testDescription: "Nigeria, service not known yet: geo waits for the service", facts: nigerianMobile,
            service: nil, expected: .allowed),
        Row(
            testDescription: "Nigeria turned on globally for SMS: allowed", facts: nigerianMobile,
            screening: StartScreening(geo: geo(sms: ("NG", ""))), expected: .allowed),
        Row(
            testDescription: "Nigeria turned on globally for SMS, by call: 60605", facts: nigerianMobile,
            channel: .call, screening: StartScreening(geo: geo(sms: ("NG", ""))),
            expected: .refused(.geo, .destinationBlocked, region: "NG", layer: .defaults)),
        Row(
            testDescription: "everything turned on globally: Nigeria allowed", facts: nigerianMobile,
            screening: StartScreening(geo: geo(sms: ("*", ""))), expected: .allowed),
        Row(
            testDescription: "Nigeria turned on by the service: allowed", facts: nigerianMobile,
            service: service { $0.geo = geo(sms: ("NG", "")) }, expected: .allowed),
        Row(
            testDescription: "Nigeria on globally, off for the service: 60605", facts: nigerianMobile,
            screening: StartScreening(geo: geo(sms: ("NG", ""))), service: service { $0.geo = geo(sms: ("", "NG")) },
            expected: .refused(.geo, .destinationBlocked, region: "NG", layer: .service)),
        Row(
            testDescription: "only US and CA globally: Jamaica, also +1, gets 60605", facts: jamaicanMobile,
            screening: StartScreening(geo: geo(sms: ("US,CA", "*"))),
            expected: .refused(.geo, .destinationBlocked, region: "JM", layer: .global)),
        Row(
            testDescription: "only US and CA globally: a US number is allowed", facts: usMobile,
            screening: StartScreening(geo: geo(sms: ("US,CA", "*"))), expected: .allowed),
        Row(
            testDescription: "Jamaica off for one service: the US, same calling code, still allowed", facts: usMobile,
            service: service { $0.geo = geo(sms: ("", "JM")) }, expected: .allowed),
        Row(
            testDescription: "a service's * beats a global named region", facts: nigerianMobile,
            screening: StartScreening(geo: geo(sms: ("NG", ""))), service: service { $0.geo = geo(sms: ("GB", "*")) },
            expected: .refused(.geo, .destinationBlocked, region: "NG", layer: .service)),
        Row(
            testDescription: "Nigeria on the Safe List: allowed", facts: nigerianMobile, safeListed: true,
            expected: .allowed),
        Row(
            testDescription: "geo in record-only mode: allowed, and the refusal recorded", facts: nigerianMobile,
            screening: StartScreening(recordOnly: [.geo]), expected: Expected(recorded: [.geo])),
        Row(
            testDescription: "line types recorded only, geo enforced: 60605 after recording the line type",
            facts: facts(.premiumRate, in: "NG", callingCode: 234), screening: StartScreening(recordOnly: [.lineType]),
            expected: Expected(
                rule: .geo, reason: .destinationBlocked, region: "NG", layer: .defaults, recorded: [.lineType])),
        Row(
            testDescription: "the number rule cannot be recorded only: still 60200", facts: tooLong,
            screening: StartScreening(recordOnly: [.number, .lineType, .geo]),
            expected: .refused(.number, .invalidParameter("To"))),
    ]

    @Test("each row's destination is allowed or refused by its rule", arguments: rows)
    func decide(_ row: Row) {
        let regions = row.regions?.map(Self.region) ?? row.facts.region.map { [$0] } ?? []
        let decision = row.screening.decide(
            StartScreening.Subject(
                facts: row.facts, regions: regions, channel: row.channel, service: row.service,
                safeListed: row.safeListed))
        let refusal = decision.refusal
        let outcome = Expected(
            rule: refusal?.rule, reason: refusal?.error.reason, region: refusal?.region?.code, layer: refusal?.layer,
            recorded: decision.recorded.map(\.rule))
        var expected = row.expected
        // A refusal names the number's own region unless the row says which (the geo rule names the one off).
        if expected.rule != nil && expected.region == nil { expected.region = row.facts.region?.code }
        #expect(outcome == expected)
        #expect(decision.recorded.allSatisfy { $0.mode == .record })
        #expect(refusal.map { $0.mode == .enforce } ?? true)
    }

    @Test("a refusal's figures name the rule, channel, line type and region, and never the number")
    func figures() throws {
        let decision = StartScreening().decide(
            StartScreening.Subject(
                facts: Self.nigerianMobile, regions: [Self.region("NG")], channel: .sms, service: Self.service()))
        let refusal = try #require(decision.refusal)
        #expect(
            refusal.metadata == [
                "rule": "geo", "mode": "enforce", "channel": "sms", "line_type": "mobile", "region": "NG",
                "calling_code": "234", "layer": "defaults",
            ])
    }
}
