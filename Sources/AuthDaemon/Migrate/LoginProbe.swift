/// One side of `migrate --check`: something that answers a test login as a saslauthd client
/// would be answered. saslauthd and a running authmuxd are asked over their sockets
/// (`SaslauthdProbe`); authmux's engine can also be asked in this process (`EngineProbe`).
protocol LoginProbe {
    /// The answer (`OK`, `NO reason`), and what decided it when the probe can tell (the
    /// backends' verdicts), for the report. Throws when the question could not be asked.
    func ask(_ login: TestLogin) async throws -> (answer: String, detail: String?)
}
