/// The realm rules of shared/DESIGN.md ("Identity and realms"), as one pure function so every
/// front door and every backend sees the same identity for the same request.
public enum IdentityNormalizer {
    /// Runs rules 1-5 in order. The password is not an input: it is never altered.
    public static func normalize(
        login: String, realm realmField: String, rules: RealmRules, recordSteps: Bool = false
    ) -> Result<Normalization, NormalizationError> {
        var steps: [String] = []
        func note(_ text: @autoclosure () -> String) { if recordSteps { steps.append(text()) } }

        // 1. Refuse control characters outright rather than strip them: a stripped name could
        //    collide with another user's.
        if containsControlCharacter(login) { return .failure(.controlCharacter(field: "login")) }
        if containsControlCharacter(realmField) { return .failure(.controlCharacter(field: "realm")) }
        note("received login \(quoted(login)), realm field \(quoted(realmField))")

        // 2. Split at `@`; a realm in the login wins over the realm field.
        var user = login
        var realm = realmField
        if let at = splitIndex(of: login, rule: rules.splitLogin) {
            user = String(login.unicodeScalars[..<at])
            let loginRealm = String(login.unicodeScalars[login.unicodeScalars.index(after: at)...])
            note("split_login \(rules.splitLogin.rawValue): user \(quoted(user)), realm \(quoted(loginRealm)) from the login")
            if !isNoRealm(loginRealm) { realm = loginRealm }
        }
        if user.isEmpty { return .failure(.emptyUser) }

        // 3. Default realm.
        if isNoRealm(realm), let fallback = rules.defaultRealm, !fallback.isEmpty {
            realm = fallback
            note("no realm given: realms.default \(quoted(fallback))")
        }

        // 4. Canonical spelling, then one alias lookup (not repeated, so aliases cannot loop).
        let spelled = canonicalRealmSpelling(realm)
        if spelled != realm { note("realm spelled \(quoted(spelled))") }
        realm = spelled
        if let target = rules.aliases[realm] {
            note("alias \(quoted(realm)) -> \(quoted(target))")
            realm = target
        }

        // 5. Unix logins are case-sensitive, so users are lowercased only on request.
        if rules.lowercaseUser {
            let lowered = user.lowercased()
            if lowered != user { note("lowercase_user: \(quoted(lowered))") }
            user = lowered
        }
        let identity = CanonicalIdentity(user: user, realm: realm, loginAsSent: login)
        note("canonical identity \(quoted(identity.qualified))")
        return .success(Normalization(identity: identity, steps: steps))
    }

    /// Lowercase, without one trailing dot (`Example.COM.` -> `example.com`).
    public static func canonicalRealmSpelling(_ realm: String) -> String {
        var lowered = realm.lowercased()
        if lowered.hasSuffix(".") { lowered.removeLast() }
        return lowered
    }

    /// Whether a realm names nothing: empty, or a lone dot that rule 4 would spell as empty
    /// (`foo@.`), which must not slip past the realm field and `realms.default` as an empty realm.
    static func isNoRealm(_ realm: String) -> Bool {
        canonicalRealmSpelling(realm).isEmpty
    }

    /// C0 controls, DEL and C1 controls: nothing a user name or realm legitimately holds, and
    /// everything that could forge a log line or cut a C string short.
    public static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    /// The `@` is looked for among Unicode scalars, not Characters: an `@` followed by a
    /// combining mark is one Character that is not "@", so `a@b@\u{301}c` would otherwise split
    /// at the first `@` under `last`, leaving an `@` in the realm, and split differently from
    /// every byte-oriented peer (libsasl2, saslpasswd2).
    private static func splitIndex(of login: String, rule: SplitLogin) -> String.Index? {
        switch rule {
        case .last: return login.unicodeScalars.lastIndex(of: "@")
        case .first: return login.unicodeScalars.firstIndex(of: "@")
        case .never: return nil
        }
    }

    private static func quoted(_ text: String) -> String { "\"\(text)\"" }
}
