import AuthCore
import FuzzSupport

/// What the realm rules (shared/DESIGN.md, "Identity and realms") promise for any login and
/// realm field, checked against a few fixed rule sets that cover every `split_login` choice.
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

    static func check(login: String, realm realmField: String, rules: RealmRules, recordSteps: Bool) {
        let refusedInput = IdentityNormalizer.containsControlCharacter(login) || IdentityNormalizer.containsControlCharacter(realmField)
        let result = IdentityNormalizer.normalize(login: login, realm: realmField, rules: rules, recordSteps: recordSteps)
        let normalization: Normalization
        switch result {
        case .failure(.controlCharacter):
            Invariant.require(refusedInput, "refused a login and realm without control characters")
            return
        case .failure(let error):
            Invariant.require(!refusedInput, "a control character was not refused first")
            Invariant.require(error == .emptyUser, "unexpected refusal \(error)")
            return
        case .success(let value):
            Invariant.require(!refusedInput, "a control character was accepted")
            normalization = value
        }
        let identity = normalization.identity
        Invariant.require(recordSteps != normalization.steps.isEmpty, "steps recorded: \(normalization.steps.count), asked: \(recordSteps)")
        Invariant.require(identity.loginAsSent == login, "login as sent changed")
        Invariant.require(!identity.user.isEmpty, "empty user")
        checkRealm(identity, login: login, realmField: realmField, rules: rules)
        checkUser(identity, login: login, rules: rules)
        checkIdempotent(identity, rules: rules)
    }

    static func checkRealm(_ identity: CanonicalIdentity, login: String, realmField: String, rules: RealmRules) {
        let realm = identity.realm
        Invariant.require(realm == realm.lowercased(), "realm \(realm.debugDescription) is not lowercase")
        // Rule 4 drops one trailing dot, so only a realm sent with two keeps one.
        Invariant.require(!realm.hasSuffix(".") || login.hasSuffix("..") || realmField.hasSuffix(".."),
                          "realm \(realm.debugDescription) keeps a trailing dot")
        Invariant.require(!realm.isEmpty || rules.defaultRealm == nil, "empty realm despite realms.default")
        // `split_login: last` exists because user names may hold `@` and realms never do: an
        // `@` in the realm can only come from the realm field itself (or `split_login: first`).
        if rules.splitLogin != .first && realm.unicodeScalars.contains("@") {
            Invariant.require(realmField.unicodeScalars.contains("@"), "realm \(realm.debugDescription) holds an @ taken from the login")
        }
        Invariant.require(identity.qualified == (realm.isEmpty ? identity.user : "\(identity.user)@\(realm)"), "qualified spelling")
    }

    static func checkUser(_ identity: CanonicalIdentity, login: String, rules: RealmRules) {
        let user = identity.user
        if rules.lowercaseUser {
            Invariant.require(user == user.lowercased(), "user \(user.debugDescription) is not lowercase")
            return
        }
        // The user is the login, or the part of it before the `@` where it was split.
        let scalars = Array(login.unicodeScalars)
        let userScalars = Array(user.unicodeScalars)
        Invariant.require(scalars.starts(with: userScalars), "user \(user.debugDescription) is not a prefix of the login")
        if userScalars.count < scalars.count {
            Invariant.require(scalars[userScalars.count] == "@", "login split at \(userScalars.count), not at an @")
        }
        if rules.splitLogin == .never { Invariant.require(user == login, "split_login never split the login") }
    }

    /// The canonical identity, sent again as `user@realm`, is itself. That holds only where the
    /// rules leave nothing further to do: no realm that keeps a trailing dot, and (splitting at
    /// the last `@`) no `@` in the realm, which would move the split.
    static func checkIdempotent(_ identity: CanonicalIdentity, rules: RealmRules) {
        guard !identity.realm.isEmpty, !identity.realm.hasSuffix(".") else { return }
        let again: Result<Normalization, NormalizationError>
        switch rules.splitLogin {
        case .last:
            guard !identity.realm.unicodeScalars.contains("@") else { return }
            again = IdentityNormalizer.normalize(login: identity.qualified, realm: "", rules: rules)
        case .first:
            again = IdentityNormalizer.normalize(login: identity.qualified, realm: "", rules: rules)
        case .never:
            again = IdentityNormalizer.normalize(login: identity.user, realm: identity.realm, rules: rules)
        }
        guard case .success(let second) = again else {
            Invariant.require(false, "\(identity.qualified.debugDescription) normalizes once but not twice")
            return
        }
        Invariant.require(second.identity.user == identity.user && second.identity.realm == identity.realm,
                          "\(identity.qualified.debugDescription) normalizes again to \(second.identity.qualified.debugDescription)")
    }
}
