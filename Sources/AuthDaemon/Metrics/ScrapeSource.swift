/// Something whose state is read into the metrics when they are scraped, rather than kept in a
/// gauge by the code that changes it: queues, threads, open connections, server health.
protocol ScrapeSource: Sendable {
    func sample(into exporter: MetricsExporter)
}
