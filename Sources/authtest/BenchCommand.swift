import ArgumentParser
struct BenchCommand: AsyncParsableCommand { func run() async throws {} }
