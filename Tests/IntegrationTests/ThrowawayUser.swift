import Foundation
import Glibc
import SocketTestSupport

/// A system account made for one test with `useradd --system` (Debian gives it a group of the
/// same name) and removed with `userdel` however the test ends. Needs root.
struct ThrowawayUser {
    let name: String
    let uid: uid_t
    let gid: gid_t

    static func create() async throws -> ThrowawayUser {
        let name = "amxr\(UInt32.random(in: 100_000...999_999))"
        let added = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("useradd"),
            ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        guard added.termination == .exited(0) else { throw IntegrationError("useradd failed: \(added)") }
        guard let record = getpwnam(name) else {
            _ = try? await ProcessRunner.run(try IntegrationEnvironment.systemTool("userdel"), [name])
            throw IntegrationError("useradd made \(name) but getpwnam cannot find it")
        }
        return ThrowawayUser(name: name, uid: record.pointee.pw_uid, gid: record.pointee.pw_gid)
    }

    /// Runs `body` with a fresh account and deletes the account afterwards.
    static func with<T>(_ body: (ThrowawayUser) async throws -> T) async throws -> T {
        let user = try await create()
        do {
            let result = try await body(user)
            await user.remove()
            return result
        } catch {
            await user.remove()
            throw error
        }
    }

    func remove() async {
        _ = try? await ProcessRunner.run(try IntegrationEnvironment.systemTool("userdel"), [name])
    }
}
