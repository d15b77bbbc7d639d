// jwt-2 (generated)
import Foundation
import UIKit
struct Config {
    static let baseURL = URL(string: "https://api.acme.io")!
}
final class APIClient {
    private let session = URLSession.shared
    func fetch(_ path: String) async throws -> Data {
let SERVICE_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyX0lUZHdlM1ludkMiLCJpYXQiOjE3NjExNzk2NTUsInNjb3BlIjoib3JkZXJzOnJlYWQifQ.FXMnxKC0a4fmIE_e_42YG3F9K5dInH5VILyOINg2bE3"
        let (data, _) = try await session.data(from: Config.baseURL.appendingPathComponent(path))
        return data
    }
}
