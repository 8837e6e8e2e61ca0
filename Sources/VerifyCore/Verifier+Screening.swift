import Logging

extension Verifier {
    /// What a start is screened on, read from its number once.
    struct Destination: Sendable {
        var facts: NumberFacts
        var regions: [RegionCode]
        var channel: Channel
        var service: ServiceSid
    }

    func destination(of request: StartRequest) -> Destination {
        let facts = numbers.facts(for: request.to)
        // A number the metadata places in no region may be in any region of its calling code.
        let regions = facts.region.map { [$0] } ?? facts.callingCode.map { numbers.regions(forCallingCode: $0) } ?? []
        return Destination(facts: facts, regions: regions, channel: request.channel, service: request.service)
    }

    /// Screens `destination` before the transaction, on the service's settings if this instance remembers them.
    /// Only a refusal the Safe List would lift asks whether the number is on it, so other starts pay no query.
    func screenEarly(_ destination: Destination, number: PhoneNumber) async throws {
        let service = recentServices.recall(destination.service)
        var decision = decide(destination, service: service, safeListed: false)
        if let refusal = decision.refusal, StartScreening.Rule.skippedWhenSafeListed.contains(refusal.rule),
            try await safeList.contains(number)
        {
            decision = decide(destination, service: service, safeListed: true)
        }
        try enforce(decision, destination, final: false)
    }

    func decide(_ destination: Destination, service: ServiceSettings?, safeListed: Bool) -> StartScreening.Decision {
        settings.screening.decide(
            StartScreening.Subject(
                facts: destination.facts, regions: destination.regions, channel: destination.channel,
                service: service, safeListed: safeListed))
    }

    /// Throws the refusal of `decision` as a `ScreeningRefusal`, once logged with its rule and figures. What
    /// record-only rules found is logged by the `final` screening of a start, or with a refusal, so each finding is
    /// logged once.
    func enforce(_ decision: StartScreening.Decision, _ destination: Destination, final: Bool) throws {
        if final || decision.refusal != nil {
            for finding in decision.recorded { log(finding, destination) }
        }
        guard let refusal = decision.refusal else { return }
        log(refusal, destination)
        throw ScreeningRefusal(refusal)
    }

    private func log(_ finding: ScreeningFinding, _ destination: Destination) {
        var metadata = finding.metadata
        metadata["service"] = "\(destination.service)"
        logger.notice(finding.mode == .enforce ? "start.refused" : "start.flagged", metadata: metadata)
    }

    /// Forgets what this instance remembers of `service`, after it changed or deleted it.
    public func serviceChanged(_ service: ServiceSid) {
        recentServices.forget(service)
    }
}
