import AuthWire
import NIOConcurrencyHelpers

/// Reads single entries of a sasldb file while a change is pending, through a libdb handle the
/// pool threads share as long as the file stays the same (under a writer changing someone
/// every 100 ms, one open serves every check in between). Without inotify nothing proves the
/// file unchanged between two batches, so each batch opens the file afresh.
final class SASLDBPointReader: Sendable {
    let path: String
    private let reuse: Bool
    private let handle = NIOLockedValueBox<BerkeleyDBHandle?>(nil)

    init(path: String, reuseHandles: Bool) {
        self.path = path
        self.reuse = reuseHandles
    }

    /// The passwords under `keys`, in order, in the file as it is at `version` (see
    /// `WatchedFile.consistently`, which makes sure it is), all through one handle: a new one
    /// if `fresh`, which then replaces the shared one. Blocking: pool only.
    func passwords(for keys: [SASLDBKey], at version: FileVersion, fresh: Bool) -> Result<[Secret?], SASLDBError> {
        do throws(SASLDBError) {
            let reusable = reuse && !fresh ? handle.withLockedValue { $0?.version.watchCount == version.watchCount && $0?.version.stamp == version.stamp ? $0 : nil } : nil
            let db: BerkeleyDBHandle
            if let reusable {
                db = reusable
            } else {
                db = try BerkeleyDBHandle(path: path, version: version)
                if reuse { handle.withLockedValue { $0 = db } }
            }
            var found: [Secret?] = []
            found.reserveCapacity(keys.count)
            for key in keys { found.append(try db.password(for: key)) }
            return .success(found)
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
