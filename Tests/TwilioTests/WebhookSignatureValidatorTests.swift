import Testing
import Twilio

@Suite struct WebhookSignatureValidatorTests {
    static let url = WebhookSignatureVectorTests.url
    static let parameters = WebhookSignatureVectorTests.parameters
    static let signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    let validator = WebhookSignatureValidator(authTokens: ["12345"])

    @Test func aTamperedURLIsRejected() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=3"
        #expect(!validator.isValid(signature: Self.signature, url: url, formParameters: Self.parameters))
    }

    @Test func aTamperedParameterIsRejected() {
        var parameters = Self.parameters
        parameters[1].value = "4321"
        #expect(!validator.isValid(signature: Self.signature, url: Self.url, formParameters: parameters))
    }

    @Test func anAddedParameterIsRejected() {
        let parameters = Self.parameters + [(name: "Extra", value: "1")]
        #expect(!validator.isValid(signature: Self.signature, url: Self.url, formParameters: parameters))
    }

    @Test func aRemovedParameterIsRejected() {
        let parameters = Array(Self.parameters.dropLast())
        #expect(!validator.isValid(signature: Self.signature, url: Self.url, formParameters: parameters))
    }

    @Test func aParameterNameWithDifferentCaseIsRejected() {
        let parameters = Self.parameters.map { $0.name == "Digits" ? (name: "digits", value: $0.value) : $0 }
        #expect(!validator.isValid(signature: Self.signature, url: Self.url, formParameters: parameters))
    }

    @Test func anIPv6HostKeepsItsBracketsWhenThePortIsAddedOrRemoved() {
        let signedWithPort = WebhookSignatureValidator.signature(authToken: "12345", url: "https://[::1]:443/hook")
        let signedWithout = WebhookSignatureValidator.signature(authToken: "12345", url: "https://[::1]/hook")
        #expect(validator.isValid(signature: signedWithPort, url: "https://[::1]/hook", formParameters: []))
        #expect(validator.isValid(signature: signedWithout, url: "https://[::1]:443/hook", formParameters: []))
        #expect(!validator.isValid(signature: signedWithout, url: "https://[::2]/hook", formParameters: []))
    }

    @Test func theValidatorDoesNotPrintItsTokens() {
        #expect(!"\(validator)".contains("12345"))
        #expect(!String(reflecting: validator).contains("49, 50"))
    }

    @Test func theWrongTokenIsRejected() {
        let other = WebhookSignatureValidator(authTokens: ["54321"])
        #expect(!other.isValid(signature: Self.signature, url: Self.url, formParameters: Self.parameters))
    }

    @Test func anySecondaryTokenIsAccepted() {
        let rotating = WebhookSignatureValidator(authTokens: ["new-primary", "12345"])
        #expect(rotating.isValid(signature: Self.signature, url: Self.url, formParameters: Self.parameters))
    }

    @Test func noTokensAcceptNothing() {
        let empty = WebhookSignatureValidator(authTokens: ["", ""])
        #expect(!empty.isValid(signature: Self.signature, url: Self.url, formParameters: Self.parameters))
    }

    @Test("an empty or malformed signature is rejected", arguments: ["", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "x"])
    func malformedSignatureIsRejected(_ signature: String) {
        #expect(!validator.isValid(signature: signature, url: Self.url, formParameters: Self.parameters))
    }

    @Test func aJSONBodyWithoutBodySHA256InTheURLIsRejected() {
        let signature = WebhookSignatureValidator.signature(authToken: "12345", url: Self.url)
        #expect(!validator.isValid(signature: signature, url: Self.url, body: "{}"))
    }

    @Test func aTamperedBodyHashInTheURLIsRejected() {
        let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6621"
        let url = Self.url + "&bodySHA256=" + hash
        let signature = WebhookSignatureValidator.signature(authToken: "12345", url: url)
        #expect(!validator.isValid(signature: signature, url: url, body: WebhookSignatureVectorTests.body))
    }

    @Test func anUppercaseBodyHashIsAccepted() {
        let url = Self.url + "&bodySHA256=" + WebhookSignatureVectorTests.bodyHash.uppercased()
        let signature = WebhookSignatureValidator.signature(authToken: "12345", url: url)
        #expect(validator.isValid(signature: signature, url: url, body: WebhookSignatureVectorTests.body))
    }
}

/// twilio-node `spec/unit/webhooks/webhooks.spec.js`, token "s3cr3t": the signature is made for `signedURL` and
/// checked against `requestURL`.
@Suite struct WebhookURLVariantTests {
    static let token = "s3cr3t"

    struct Case: Sendable, CustomTestStringConvertible {
        let signedURL: String
        let requestURL: String
        let valid: Bool
        var testDescription: String { "\(signedURL) → \(requestURL)" }

        init(_ signed: String, _ request: String, valid: Bool) {
            signedURL = "https://example.com" + signed
            requestURL = "https://example.com" + request
            self.valid = valid
        }
    }

    static let cases: [Case] = [
        Case("/path?test=param", "/path?test=param2", valid: false),
        Case(":443/path?test=param", ":443/path?test=param", valid: true),
        Case(":443/path?test=param", "/path?test=param", valid: true),
        Case("/path?test=param", "/path?test=param", valid: true),
        Case("/path?test=param", ":443/path?test=param", valid: true),
        Case("/path?test=param'WithQuote", "/path?test=param'WithQuote", valid: true),
        Case("/path?test=param'WithQuote", "/path?test=param%27WithQuote", valid: true),
        Case("/path?test=param%27WithQuote", "/path?test=param'WithQuote", valid: true),
        Case("/path?test=param%27WithQuote", "/path?test=param%27WithQuote", valid: true),
        Case(":8443/path", ":9443/path", valid: false),
        Case("/path", ".org/path", valid: false),
        Case("/path", "/Path", valid: false),
    ]

    @Test("a signature validates exactly the equivalent URLs", arguments: cases)
    func signatureValidatesEquivalentURLs(_ testCase: Case) {
        let signature = WebhookSignatureValidator.signature(authToken: Self.token, url: testCase.signedURL)
        let validator = WebhookSignatureValidator(authTokens: [Self.token])
        #expect(validator.isValid(signature: signature, url: testCase.requestURL, formParameters: []) == testCase.valid)
    }
}
