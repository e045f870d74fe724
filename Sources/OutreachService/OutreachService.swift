/// Scheduler, dispatcher, inbound processing, escort workflow and campaigns live here (issues 5 and later).
/// The module exists now so the dependency direction is fixed: CLI → Service → (Server, Providers, Store) → Core.
public enum OutreachService {
    public static let moduleName = "OutreachService"
}
