import AuthCore
import AuthWire
import FuzzSupport

// libFuzzer feeds this one byte that picks one of `RealmRulesProperties.rules` (and whether
// steps are recorded), then the login, a 0xFF byte (never part of UTF-8), and the realm field.
FuzzDriver.run { start, count in
    let bytes = FuzzInput.bytes(start, count)
    guard let selector = bytes.first else { return 0 }
    let rest = bytes.dropFirst()
    let separator = rest.firstIndex(of: 0xFF) ?? rest.endIndex
    let login = Array(rest[..<separator])
    let realm = separator < rest.endIndex ? Array(rest[(separator + 1)...]) : []
    let rules = RealmRulesProperties.rules[Int(selector) % RealmRulesProperties.rules.count]
    RealmRulesProperties.check(login: login, realm: realm, rules: rules, recordSteps: selector & 0x80 != 0)
    return 0
}
