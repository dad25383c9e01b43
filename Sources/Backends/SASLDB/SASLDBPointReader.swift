import AuthWire
import NIOConcurrencyHelpers

/// Reads single entries of a sasldb file while a change is pending, through a libdb handle the
/// pool threads share as long as the file stays the same (under a writer changing someone
/// every 100 ms, one open serves every check in between). Without inotify nothing proves the
/// file unchanged between two checks, so each look-up opens the file afresh.
final class SASLDBPointReader: Sendable {
    let path: String
    private let reuse: Bool
    private let handle = NIOLockedValueBox<BerkeleyDBHandle?>(nil)

    init(path: String, reuseHandles: Bool) {
        self.path = path
        self.reuse = reuseHandles
    }

    /// The password under `key` in the file as it is at `version` (see
    /// `WatchedFile.consistently`, which makes sure it is). Blocking: pool only.
    func password(for key: SASLDBKey, at version: FileVersion) -> Result<Secret?, SASLDBError> {
        do throws(SASLDBError) {
            let reusable = reuse ? handle.withLockedValue { $0?.version.watchCount == version.watchCount && $0?.version.stamp == version.stamp ? $0 : nil } : nil
            let db: BerkeleyDBHandle
            if let reusable {
                db = reusable
            } else {
                db = try BerkeleyDBHandle(path: path, version: version)
                if reuse { handle.withLockedValue { $0 = db } }
            }
            return .success(try db.password(for: key))
        } catch {
            return .failure(error)
        }
    }

    /// Closes the shared handle (once no look-up holds it): the file changed, or the backend
    /// stops; the next look-up opens the file as it is then.
    func forget() {
        handle.withLockedValue { $0 = nil }
    }
}
