import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// A listener's `allow` list resolved to ids, once, when the socket is bound.
///
/// A peer is admitted when its uid is listed, when its primary gid is a listed group, or when
/// the group database names its user as a member of a listed group. The kernel's SO_PEERCRED
/// reports only the primary gid, so supplementary membership comes from the group database as
/// it was at start; a change there takes a restart.
struct PeerPolicy: Sendable {
    let userIDs: Set<uid_t>
    let groupIDs: Set<gid_t>
    let memberIDs: Set<uid_t>

    static func resolve(_ allow: PeerAllowList) throws -> PeerPolicy {
        var users = Set<uid_t>()
        for entry in allow.users {
            if let id = entry.numericID {
                users.insert(id)
            } else if let record = getpwnam(entry.name) {
                users.insert(record.pointee.pw_uid)
            } else {
                throw entry.unknownError
            }
        }
        var groups = Set<gid_t>()
        var members = Set<uid_t>()
        for entry in allow.groups {
            let record: UnsafeMutablePointer<group>?
            if let id = entry.numericID {
                groups.insert(id)
                record = getgrgid(id)
            } else {
                guard let found = getgrnam(entry.name) else { throw entry.unknownError }
                groups.insert(found.pointee.gr_gid)
                record = found
            }
            var member = record?.pointee.gr_mem
            while let name = member?.pointee {
                if let user = getpwnam(name) { members.insert(user.pointee.pw_uid) }
                member = member?.advanced(by: 1)
            }
        }
        return PeerPolicy(userIDs: users, groupIDs: groups, memberIDs: members)
    }

    func admits(uid: uid_t, gid: gid_t) -> Bool {
        userIDs.contains(uid) || groupIDs.contains(gid) || memberIDs.contains(uid)
    }
}
