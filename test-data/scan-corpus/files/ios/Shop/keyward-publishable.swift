// keyward-publishable (generated)
import Foundation
import UIKit
struct Config {
    static let baseURL = URL(string: "https://api.acme.io")!
}
let KEYWARD_PUBLISHABLE_KEY = "kw_pk_test_CG400T1Kgdtu4EuW3qEEfEmL5zBM48EI19aOBn"
final class APIClient {
    private let session = URLSession.shared
    func fetch(_ path: String) async throws -> Data {
        let (data, _) = try await session.data(from: Config.baseURL.appendingPathComponent(path))
        return data
    }
}
