/// `throttle.key`: whose guesses share one count and one gate.
public enum ThrottleKeyMode: String, Sendable, CaseIterable {
    /// Every guess on an account counts against it, wherever it comes from: a store behind it
    /// sees at most one guess per delay for a sprayed account, and the real user waits behind
    /// the sprayer (unless the credential cache knows their password).
    case user
    /// When the request carries the client's address, each address has its own count per
    /// account: a sprayed user logs in at once from elsewhere, but a sprayer with many
    /// addresses gets a count for each. Requests without an address count as under `user`.
    case userAndClient = "user_and_client"
}
