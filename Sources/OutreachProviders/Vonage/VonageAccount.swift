import Foundation

extension VonageProvider {
    /// GET /account/get-balance: 200 with the balance when the API key and secret work.
    public func checkAccount() async -> Result<String, SendFailure> {
        let query = FormEncoding.encode([("api_key", settings.apiKey), ("api_secret", settings.apiSecret)])
        let request = HTTPRequest(url: settings.baseURL + "/account/get-balance?" + query)
        switch await SendClassification.send(request, with: client, now: { Date() }) {
        case .failure(let failure): return .failure(failure)
        case .success(let response) where response.isSuccess:
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            return .success("balance \(object?["value"].map { "\($0)" } ?? "?")")
        case .success(let response):
            if response.status == 401 { return .failure(.account(code: "http-401", reason: "credentials rejected")) }
            return .failure(.permanent(code: "http-\(response.status)", reason: "unexpected answer"))
        }
    }
}
