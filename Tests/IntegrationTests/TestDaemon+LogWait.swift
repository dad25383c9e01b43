import SocketTestSupport
extension TestDaemon {
    /// Waits until the log holds `text`: routine lines reach the file in batches (every 50 ms),
    /// so a line for a check just answered may not be there yet. False after `timeout`.
    func waitUntilLogContains(_ text: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}

extension TestDaemon {
    /// Waits until `text` is in the log at least `count` times.
    func waitForLog(containing text: String, count: Int, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while log.components(separatedBy: text).count - 1 < count {
            guard ContinuousClock.now < deadline else {
                throw IntegrationError("the log never said \"\(text)\" \(count) times\n\(logTail)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
