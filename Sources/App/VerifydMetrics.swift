import CoreMetrics
import HTTPAPI
import Prometheus
import Synchronization
import VerifyCore

/// verifyd's metrics, exported in Prometheus' text format. Events are counted through swift-metrics handles made
/// by a factory of this instance's own, not the process-wide `MetricsSystem`, so that tests can build several
/// applications in one process; gauges of state (pool, outbox, breaker) are read when a scraper asks.
final class VerifydMetrics: VerifyMetrics {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Reads the state gauges when a scraper asks.
    private let sample: @Sendable (VerifydMetrics) async -> Void
    /// The totals `advance` last saw, by metric name.
    private let totals = Mutex<[String: Double]>([:])

    init(sample: @escaping @Sendable (VerifydMetrics) async -> Void) {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Verify requests wait on the database and, on the fast path, on Twilio: finer at the low end, up to 10 s.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10),
        ]
        self.factory = factory
        self.sample = sample
    }

    /// The exposition for one scrape: the state gauges read now, the counters as they stand.
    func render() async -> String {
        await sample(self)
        return registry.emitToString()
    }

    // MARK: VerifyMetrics

    /// The country label has about 250 values and narrows a number down to a country, never further.
    func verification(_ event: VerificationEvent, channel: Channel, country: RegionCode?) {
        Counter(
            label: "verifyd_verifications_total",
            dimensions: [
                ("event", event.rawValue), ("channel", channel.rawValue), ("country", country?.code ?? "unknown"),
            ],
            factory: factory
        ).increment()
    }

    func delivery(_ status: DeliveryStatus, errorCode: Int?) {
        Counter(
            label: "verifyd_deliveries_total",
            dimensions: [("status", status.rawValue), ("error_code", errorCode.map { "\($0)" } ?? "none")],
            factory: factory
        ).increment()
    }

    func refusal(_ rule: RefusalRule) {
        Counter(label: "verifyd_refusals_total", dimensions: [("rule", rule.name)], factory: factory).increment()
    }

    // MARK: Requests and state

    func request(_ observation: RequestObservation) {
        Counter(
            label: "verifyd_http_requests_total",
            dimensions: [
                ("method", observation.method), ("route", observation.route), ("status", "\(observation.status)"),
            ],
            factory: factory
        ).increment()
        Timer(
            label: "verifyd_http_request_duration_seconds",
            dimensions: [("method", observation.method), ("route", observation.route)], factory: factory
        ).recordInterval(observation.duration)
    }

    /// Sets gauge `name` (one series per distinct `dimensions`) to `value`.
    func set(_ name: String, _ value: Double, _ dimensions: [(String, String)] = []) {
        Gauge(label: name, dimensions: dimensions, factory: factory).record(value)
    }

    /// Brings counter `name` up to `total`, a running total kept elsewhere (the pool's), so it keeps a counter's type.
    func advance(_ name: String, to total: Double) {
        let delta = totals.withLock { totals in
            defer { totals[name] = total }
            return total - (totals[name] ?? 0)
        }
        FloatingPointCounter(label: name, dimensions: [], factory: factory).increment(by: max(0, delta))
    }
}

extension Timer {
    fileprivate func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
