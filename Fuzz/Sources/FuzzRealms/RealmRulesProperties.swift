import AuthCore
import AuthWire
import FuzzSupport

/// What the field rules and the realm rules (shared/DESIGN.md, "Identity and realms") promise
/// for any login and realm field bytes, checked against a few fixed rule sets that cover every
/// `split_login` choice. Everything is compared as bytes, as the daemon compares identities.
enum RealmRulesProperties {
    /// Alias targets are never alias keys here, so one more pass of the rules changes nothing.
    static let rules: [RealmRules] = [
        RealmRules(),
        RealmRules(
            defaultRealm: "Example.COM.", aliases: ["mail.example.com": "example.com", "VM": "example.com", "localhost.": "example.org"],
            splitLogin: .last, lowercaseUser: true),
        RealmRules(defaultRealm: "example.com", aliases: ["Mail.Example.com.": "example.com"], splitLogin: .first),
        RealmRules(defaultRealm: "example.net", aliases: ["vm": "example.net"], splitLogin: .never, lowercaseUser: true),
    ]

    static let at = UInt8(ascii: "@")
    static let dot = UInt8(ascii: ".")

    static func check(login: [UInt8], realm realmField: [UInt8], rules: RealmRules, recordSteps: Bool) {
        // Rule 1, as every front door applies it before the realm rules see anything.
        let refusedInput = NameInvariants.breaksNameRule(login) || NameInvariants.breaksNameRule(realmField)
        let fieldsRefused = FieldRules.nameProblem(login) != nil || FieldRules.nameProblem(realmField) != nil
        Invariant.require(refusedInput == fieldsRefused, "FieldRules and the name rule disagree on \(login) / \(realmField)")
        guard !fieldsRefused else { return }

        let normalization: Normalization
        switch IdentityNormalizer.normalize(login: ByteString(login), realm: ByteString(realmField), rules: rules, recordSteps: recordSteps) {
        case .failure(let error):
            Invariant.require(error == .emptyUser, "unexpected refusal \(error)")
            return
        case .success(let value):
            normalization = value
        }
        let identity = normalization.identity
        Invariant.require(recordSteps != normalization.steps.isEmpty, "steps recorded: \(normalization.steps.count), asked: \(recordSteps)")
        Invariant.require(identity.loginAsSent.bytes == login, "login as sent changed")
        Invariant.require(!identity.user.isEmpty, "empty user")
        checkRealm(identity, login: login, realmField: realmField, rules: rules)
        checkUser(identity, login: login, rules: rules)
        checkIdempotent(identity, rules: rules)
    }

    static func checkRealm(_ identity: CanonicalIdentity, login: [UInt8], realmField: [UInt8], rules: RealmRules) {
        let realm = identity.realm.bytes
        // Lowercased in ASCII only: no ASCII capital survives, and nothing else is touched.
        Invariant.require(!realm.contains { $0 >= 0x41 && $0 <= 0x5A }, "realm \(realm) keeps an ASCII capital")
        // Rule 4 drops one trailing dot, so only a realm sent with two keeps one.
        Invariant.require(realm.last != dot || login.suffix(2) == [dot, dot] || realmField.suffix(2) == [dot, dot],
                          "realm \(realm) keeps a trailing dot")
        Invariant.require(!realm.isEmpty || rules.defaultRealm == nil, "empty realm despite realms.default")
        // `split_login: last` exists because user names may hold `@` and realms never do: an
        // `@` in the realm can only come from the realm field itself (or `split_login: first`).
        if rules.splitLogin != .first && realm.contains(at) {
            Invariant.require(realmField.contains(at), "realm \(realm) holds an @ taken from the login")
        }
        let expected = realm.isEmpty ? identity.user.bytes : identity.user.bytes + [at] + realm
        Invariant.require(identity.qualified.bytes == expected, "qualified spelling")
    }

    static func checkUser(_ identity: CanonicalIdentity, login: [UInt8], rules: RealmRules) {
        let user = identity.user.bytes
        if rules.lowercaseUser {
            Invariant.require(!user.contains { $0 >= 0x41 && $0 <= 0x5A }, "user \(user) keeps an ASCII capital")
            // Only ASCII letters change: the bytes are the login's (or its prefix's), each
            // ASCII capital lowered, nothing else.
            Invariant.require(user.count <= login.count, "user longer than the login")
            for (mine, sent) in zip(user, login) {
                let lowered = (sent >= 0x41 && sent <= 0x5A) ? sent | 0x20 : sent
                Invariant.require(mine == lowered, "lowercase_user changed a byte that is not an ASCII capital")
            }
            return
        }
        // The user is the login, or the part of it before the `@` where it was split.
        Invariant.require(login.starts(with: user), "user \(user) is not a prefix of the login")
        if user.count < login.count {
            Invariant.require(login[user.count] == at, "login split at \(user.count), not at an @")
        }
        if rules.splitLogin == .never { Invariant.require(user == login, "split_login never split the login") }
    }

    /// The canonical identity, sent again as `user@realm`, is itself. That holds only where the
    /// rules leave nothing further to do: no realm that keeps a trailing dot, and (splitting at
    /// the last `@`) no `@` in the realm, which would move the split.
    static func checkIdempotent(_ identity: CanonicalIdentity, rules: RealmRules) {
        guard !identity.realm.isEmpty, identity.realm.bytes.last != dot else { return }
        let again: Result<Normalization, NormalizationError>
        switch rules.splitLogin {
        case .last:
            guard !identity.realm.bytes.contains(at) else { return }
            again = IdentityNormalizer.normalize(login: identity.qualified, realm: .empty, rules: rules)
        case .first:
            again = IdentityNormalizer.normalize(login: identity.qualified, realm: .empty, rules: rules)
        case .never:
            again = IdentityNormalizer.normalize(login: identity.user, realm: identity.realm, rules: rules)
        }
        guard case .success(let second) = again else {
            Invariant.require(false, "\(identity.qualified.text.debugDescription) normalizes once but not twice")
            return
        }
        Invariant.require(second.identity.user == identity.user && second.identity.realm == identity.realm,
                          "\(identity.qualified.text.debugDescription) normalizes again to \(second.identity.qualified.text.debugDescription)")
    }
}
