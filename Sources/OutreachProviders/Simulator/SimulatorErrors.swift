/// The Simulator has no error bodies to parse: its scripted failures are built directly as `SendFailure`
/// values in `SimulatorProvider` (numbers ending 90 invalid, 91 opted out). This file keeps the provider
/// folder's shape the same as the others'.
enum SimulatorErrors {}
