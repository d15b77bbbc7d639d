// clean (generated)
import Foundation
import UIKit
struct Config {
    static let baseURL = URL(string: "https://api.acme.io")!
}
final class APIClient {
    private let session = URLSession.shared
    func fetch(_ path: String) async throws -> Data {
        let (data, _) = try await session.data(from: Config.baseURL.appendingPathComponent(path))
        return data
    }
}
