@main struct Verifyd { static func main() {} }
