/// "1 message", "3 messages": a count with its noun, for the lines a coordinator reads.
func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
}
