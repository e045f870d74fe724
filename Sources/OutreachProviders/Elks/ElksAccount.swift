import Foundation

extension ElksProvider {
    /// GET /a1/me: 200 with the account's name and balance when the API user and password work.
    public func checkAccount() async -> Result<String, SendFailure> {
        let request = HTTPRequest(url: settings.baseURL + "/a1/me").basicAuth(user: settings.username, password: settings.password)
        switch await SendClassification.send(request, with: client, now: { Date() }) {
        case .failure(let failure): return .failure(failure)
        case .success(let response) where response.isSuccess:
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            return .success("account \(object?["displayname"] as? String ?? "?")")
        case .success(let response):
            if response.status == 401 { return .failure(.account(code: "http-401", reason: "credentials rejected")) }
            return .failure(.permanent(code: "http-\(response.status)", reason: "unexpected answer"))
        }
    }
}
