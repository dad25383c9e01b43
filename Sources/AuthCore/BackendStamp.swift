/// A backend consulted for a cached answer and its store generation at the time: the answer is
/// good only while the backend still reports that generation.
package struct BackendStamp: Sendable, Equatable {
    package var backend: String
    package var generation: UInt64

    package init(backend: String, generation: UInt64) {
        self.backend = backend
        self.generation = generation
    }
}
