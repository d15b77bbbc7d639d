// azure-1 (generated)
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
AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=CQmyjFJGTINvrL+PoFiZ22cdol2vpyMmCEqOB0iSneAHh2iDNSCODUtCjD8qUPQtrwFSJZMI789FjRsmpHdjQ8==;EndpointSuffix=core.windows.net
    }
}
