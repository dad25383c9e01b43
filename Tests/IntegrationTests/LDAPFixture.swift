/// The test directory's contents as LDIF for slapadd.
enum LDAPFixture {
    static let example = "dc=example,dc=com"
    static let other = "dc=other,dc=org"

    /// A suffix with `ou=people`, `ou=staff` and `ou=groups`, and one inetOrgPerson per user
    /// (cleartext userPassword, which slapd checks on simple binds).
    static func directory(_ suffix: String, people: [(uid: String, password: String)], staff: [(uid: String, password: String)] = [], extra: String = "") -> String {
        let top = suffix.split(separator: ",")[0].split(separator: "=")[1]
        var ldif = """
            dn: \(suffix)
            objectClass: dcObject
            objectClass: organization
            o: test
            dc: \(top)

            dn: ou=people,\(suffix)
            objectClass: organizationalUnit
            ou: people

            dn: ou=staff,\(suffix)
            objectClass: organizationalUnit
            ou: staff

            dn: ou=groups,\(suffix)
            objectClass: organizationalUnit
            ou: groups


            """
        for (unit, users) in [("people", people), ("staff", staff)] {
            for user in users {
                ldif += """
                    dn: uid=\(escapeDN(user.uid)),ou=\(unit),\(suffix)
                    objectClass: inetOrgPerson
                    uid: \(user.uid)
                    cn: \(user.uid)
                    sn: test
                    userPassword: \(user.password)


                    """
            }
        }
        return ldif + extra
    }

    /// What an LDIF `dn:` line needs for the test's odd user names.
    static func escapeDN(_ value: String) -> String {
        var out = ""
        for character in value {
            if ",+\"\\<>;=".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Three groups with alice only, one per membership attribute.
    static func groups(_ suffix: String) -> String {
        """
        dn: cn=mail-unique,ou=groups,\(suffix)
        objectClass: groupOfUniqueNames
        cn: mail-unique
        uniqueMember: uid=alice,ou=people,\(suffix)

        dn: cn=mail-member,ou=groups,\(suffix)
        objectClass: groupOfNames
        cn: mail-member
        member: uid=alice,ou=people,\(suffix)

        dn: cn=mail-posix,ou=groups,\(suffix)
        objectClass: posixGroup
        cn: mail-posix
        gidNumber: 5000
        memberUid: alice


        """
    }
}
