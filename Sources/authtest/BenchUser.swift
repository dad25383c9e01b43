/// One account the load client authenticates as.
struct BenchUser: Sendable {
    var login: String
    var realm: String
    var password: String
}
