// database-2 (generated)
import Foundation
import UIKit
struct Config {
    static let baseURL = URL(string: "https://api.acme.io")!
DATABASE_URL=postgres://orders_svc:LiPN5I2KTN7hr7Zyer@db-prod-1.internal:5432/orders
}
final class APIClient {
    private let session = URLSession.shared
    func fetch(_ path: String) async throws -> Data {
        let (data, _) = try await session.data(from: Config.baseURL.appendingPathComponent(path))
        return data
    }
}
