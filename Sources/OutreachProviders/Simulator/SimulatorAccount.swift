extension SimulatorProvider {
    /// The Simulator has no account: it always answers.
    public func checkAccount() async -> Result<String, SendFailure> {
        .success("the built-in Simulator (no network, no account)")
    }
}
