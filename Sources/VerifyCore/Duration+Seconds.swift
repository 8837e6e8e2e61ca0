extension Duration {
    /// Whole seconds, a started second counting as one: what `Retry-After` says of a wait.
    public var roundedUpSeconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
