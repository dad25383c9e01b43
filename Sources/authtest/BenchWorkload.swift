import AuthWire
import NIOCore

/// The requests a benchmark sends, encoded once up front so the load client spends its time on
/// connections, not on building requests.
struct BenchWorkload: Sendable {
    struct Entry: Sendable {
        /// The saslauthd request.
        var request: [UInt8]
        /// The same check for the dovecot door: the login (with its realm, which that protocol
        /// has no field for) and the password.
        var login: [UInt8]
        var password: [UInt8]
        var expectOK: Bool
    }

    let good: [[UInt8]]
    let wrong: [[UInt8]]
    let logins: [[UInt8]]
    let passwords: [[UInt8]]
    /// Share of requests sent with a wrong password, 0...1.
    let wrongShare: Double
    let service: String

    init(users: [BenchUser], service: String, form: RequestForm, wrongShare: Double) throws {
        var good: [[UInt8]] = []
        var wrong: [[UInt8]] = []
        var logins: [[UInt8]] = []
        var passwords: [[UInt8]] = []
        let address: String? = form == .five ? "127.0.0.1;4242" : nil
        for user in users {
            var right = ByteBuffer()
            try SaslauthdCodec.encodeRequest(login: user.login, password: Secret(user.password), service: service, realm: user.realm, clientAddress: address, into: &right)
            good.append(Array(right.readableBytesView))
            var bad = ByteBuffer()
            try SaslauthdCodec.encodeRequest(login: user.login, password: Secret(user.password + "-wrong"), service: service, realm: user.realm, clientAddress: address, into: &bad)
            wrong.append(Array(bad.readableBytesView))
            let qualified = user.realm.isEmpty || user.login.contains("@") ? user.login : "\(user.login)@\(user.realm)"
            logins.append(Array(qualified.utf8))
            passwords.append(Array(user.password.utf8))
        }
        self.logins = logins
        self.passwords = passwords
        self.good = good
        self.wrong = wrong
        self.wrongShare = wrongShare
        self.service = service
    }

    func pick(_ random: inout SplitMix64) -> Entry {
        let index = Int(random.next() % UInt64(good.count))
        let isWrong = Double(random.next() >> 11) / Double(1 << 53) < wrongShare
        return Entry(
            request: isWrong ? wrong[index] : good[index], login: logins[index],
            password: isWrong ? passwords[index] + Array("-wrong".utf8) : passwords[index], expectOK: !isWrong)
    }
}
