/// Why a `password_query` cannot be used, for the configuration error.
struct SQLQueryError: Error {
    var message: String
}
