import AuthWire
import NIOCore

/// The requests a benchmark sends, encoded once up front so the load client spends its time on
/// connections, not on building requests.
struct BenchWorkload: Sendable {
    struct Entry: Sendable {
        var request: [UInt8]
        var expectOK: Bool
    }

    let good: [[UInt8]]
    let wrong: [[UInt8]]
    /// Share of requests sent with a wrong password, 0...1.
    let wrongShare: Double

    init(users: [BenchUser], service: String, form: RequestForm, wrongShare: Double) throws {
        var good: [[UInt8]] = []
        var wrong: [[UInt8]] = []
        let address: String? = form == .five ? "127.0.0.1;4242" : nil
        for user in users {
            var right = ByteBuffer()
            try SaslauthdCodec.encodeRequest(login: user.login, password: Secret(user.password), service: service, realm: user.realm, clientAddress: address, into: &right)
            good.append(Array(right.readableBytesView))
            var bad = ByteBuffer()
            try SaslauthdCodec.encodeRequest(login: user.login, password: Secret(user.password + "-wrong"), service: service, realm: user.realm, clientAddress: address, into: &bad)
            wrong.append(Array(bad.readableBytesView))
        }
        self.good = good
        self.wrong = wrong
        self.wrongShare = wrongShare
    }

    func pick(_ random: inout SplitMix64) -> Entry {
        let index = Int(random.next() % UInt64(good.count))
        let isWrong = Double(random.next() >> 11) / Double(1 << 53) < wrongShare
        return Entry(request: isWrong ? wrong[index] : good[index], expectOK: !isWrong)
    }
}
