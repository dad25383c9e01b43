import AuthCore
import AuthWire
import Testing

@Suite("Configuration of run_as")
struct RunAsConfigTests {
    typealias L = ConfigLoaderTests

    @Test func absentByDefault() throws {
        let config = try L.load("backends: { a: { type: stub } }")
        #expect(config.runAs == nil)
    }

    @Test func userAloneLeavesTheGroupToThePrimaryOne() throws {
        let config = try L.load("""
            run_as: { user: authmux }
            backends: { a: { type: stub } }
            """)
        let runAs = try #require(config.runAs)
        #expect(runAs.user == "authmux")
        #expect(runAs.group == nil)
        // The located error the daemon reports if the host has no such user.
        #expect(runAs.userError.line == 1 && runAs.userError.keyPath == "run_as.user", "\(runAs.userError)")
    }

    @Test func userAndGroupAreKeptWithTheirLines() throws {
        let config = try L.load("""
            backends: { a: { type: stub } }
            run_as:
              user: authmux
              group: sasl
            """)
        let runAs = try #require(config.runAs)
        #expect(runAs.group == "sasl")
        #expect(runAs.groupError?.line == 4 && runAs.groupError?.keyPath == "run_as.group", "\(String(describing: runAs.groupError))")
        #expect(runAs.userError.line == 3)
    }

    @Test func mistakesAreLocated() throws {
        let cases: [(yaml: String, line: Int, key: String)] = [
            ("run_as: { user: authmux, uid: 5 }", 1, "run_as.uid"),
            ("run_as: { group: sasl }", 1, "run_as"),
            ("run_as: { user: \"\" }", 1, "run_as.user"),
            ("run_as: { user: \"a b\" }", 1, "run_as.user"),
            ("run_as: authmux", 1, "run_as"),
        ]
        for item in cases {
            let error = try #require(L.failure(item.yaml + "\nbackends: { a: { type: stub } }"), "\(item.yaml)")
            #expect(error.line == item.line && error.keyPath == item.key, "\(item.yaml): \(error)")
        }
    }
}
