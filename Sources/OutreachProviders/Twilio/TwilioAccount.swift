import Foundation

extension TwilioProvider {
    /// GET /2010-04-01/Accounts/{AccountSid}.json: 200 with the account's friendly name and status.
    public func checkAccount() async -> Result<String, SendFailure> {
        let request = HTTPRequest(url: settings.baseURL + "/2010-04-01/Accounts/\(settings.accountSID).json")
            .basicAuth(user: settings.credentials.user, password: settings.credentials.password)
        switch await SendClassification.send(request, with: client, now: { Date() }) {
        case .failure(let failure): return .failure(failure)
        case .success(let response) where response.isSuccess:
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            return .success("account \(object?["friendly_name"] as? String ?? "?") (\(object?["status"] as? String ?? "status unknown"))")
        case .success(let response):
            if response.status == 401 { return .failure(.account(code: "http-401", reason: "credentials rejected")) }
            return .failure(.permanent(code: "http-\(response.status)", reason: "unexpected answer"))
        }
    }
}
