public import AuthWire
/// The realm rules of shared/DESIGN.md ("Identity and realms"), as one pure function over
/// bytes, so every front door and every backend sees the same identity for the same request.
public enum IdentityNormalizer {
    /// Runs rules 2-5 in order on a request whose fields already passed `FieldRules` (rule 1,
    /// in `CheckRequest.validate`). The password is not an input: it is never altered.
    public static func normalize(
        login: ByteString, realm realmField: ByteString, rules: RealmRules, recordSteps: Bool = false
    ) -> Result<Normalization, NormalizationError> {
        var steps: [String] = []
        func note(_ text: @autoclosure () -> String) { if recordSteps { steps.append(text()) } }
        note("received login \(quoted(login)), realm field \(quoted(realmField))")

        // 2. Split at `@`; a realm in the login wins over the realm field.
        var user = login
        var realm = realmField
        if let at = splitIndex(of: login, rule: rules.splitLogin) {
            user = login[0..<at]
            let loginRealm = login[(at + 1)..<login.count]
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

        // 5. Unix logins are case-sensitive, so users are lowercased only on request, and then
        //    in ASCII only: Unicode case mapping would make distinct names one user.
        if rules.lowercaseUser {
            let lowered = user.asciiLowercased
            if lowered != user { note("lowercase_user: \(quoted(lowered))") }
            user = lowered
        }
        let identity = CanonicalIdentity(user: user, realm: realm, loginAsSent: login)
        note("canonical identity \(quoted(identity.qualified))")
        return .success(Normalization(identity: identity, steps: steps))
    }

    /// ASCII-lowercase, without one trailing dot (`Example.COM.` -> `example.com`): how DNS
    /// compares names. Other bytes are kept as they are.
    public static func canonicalRealmSpelling(_ realm: ByteString) -> ByteString {
        var lowered = realm.asciiLowercased
        if lowered.bytes.last == UInt8(ascii: ".") { lowered.bytes.removeLast() }
        return lowered
    }

    /// Whether a realm names nothing: empty, or a lone dot that rule 4 would spell as empty
    /// (`foo@.`), which must not slip past the realm field and `realms.default` as an empty realm.
    static func isNoRealm(_ realm: ByteString) -> Bool {
        realm.isEmpty || realm.bytes == [UInt8(ascii: ".")]
    }

    private static func splitIndex(of login: ByteString, rule: SplitLogin) -> Int? {
        switch rule {
        case .last: return login.lastIndex(of: UInt8(ascii: "@"))
        case .first: return login.firstIndex(of: UInt8(ascii: "@"))
        case .never: return nil
        }
    }

    private static func quoted(_ text: ByteString) -> String { "\"\(text.text)\"" }
}
