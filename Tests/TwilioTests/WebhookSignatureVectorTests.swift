import Testing
import Twilio

/// The published vectors of twilio-python (`tests/unit/test_request_validator.py`) and twilio-node
/// (`spec/validation.spec.js`), token "12345".
@Suite struct WebhookSignatureVectorTests {
    static let token = "12345"
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let parameters: [(name: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212"),
        ("Caller", "+14158675309"),
    ]
    static let body = #"{"property": "value", "boolean": true}"#
    static let bodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    static let emptyBodyHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

    let validator = WebhookSignatureValidator(authTokens: [Self.token])

    struct FormVector: Sendable, CustomTestStringConvertible {
        let name: String
        let url: String
        let parameters: [(name: String, value: String)]
        let signature: String
        var testDescription: String { name }
    }

    static let formVectors: [FormVector] = [
        FormVector(name: "python default", url: url, parameters: parameters, signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        FormVector(
            name: "python duplicate parameters",
            url: url,
            parameters: [
                ("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234"),
            ],
            signature: "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        ),
        FormVector(
            name: "python https port is removed",
            url: "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
            parameters: parameters,
            signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ),
        FormVector(
            name: "python http with its own port",
            url: "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            parameters: parameters,
            signature: "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ),
        FormVector(
            name: "python https signed with :443",
            url: url,
            parameters: parameters,
            signature: "kvajT1Ptam85bY51eRf/AJRuM3w="
        ),
        FormVector(
            name: "python http signed with :80",
            url: "http://mycompany.com/myapp.php?foo=1&bar=2",
            parameters: parameters,
            signature: "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ),
        FormVector(
            name: "node user and password",
            url: "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
            parameters: parameters,
            signature: "CukzLTc1tT5dXEDIHm/tKBanW10="
        ),
        FormVector(
            name: "node user and password signed with :443",
            url: "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
            parameters: parameters,
            signature: "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="
        ),
        FormVector(
            name: "node user only",
            url: "https://user@mycompany.com/myapp.php?foo=1&bar=2",
            parameters: parameters,
            signature: "2YRLlVAflCqxaNicjMpJcSTgzSs="
        ),
        FormVector(
            name: "node raw apostrophe validates the signature over %27",
            url: url + "&Body=It's+amazing",
            parameters: parameters,
            signature: "TfZzewPq8wqrGlMfyAud8+/IvJ0="
        ),
        FormVector(
            name: "node raw apostrophe validates the signature over the raw apostrophe",
            url: url + "&Body=It's+amazing",
            parameters: parameters,
            signature: "dsq4Ehbj6cs+KdTkpF5sSSplOWw="
        ),
        FormVector(
            name: "node %27 validates the signature over %27",
            url: url + "&Body=It%27s+amazing",
            parameters: parameters,
            signature: "TfZzewPq8wqrGlMfyAud8+/IvJ0="
        ),
        FormVector(
            name: "node multi-valued MessagingBinding.Address",
            url: url,
            parameters: [("MessagingBinding.Address", "+1325xxxxxxx"), ("MessagingBinding.Address", "+1415xxxxxxx")],
            signature: "83O6e2vORAoJHUNzJjDWN1jz+BA="
        ),
        FormVector(
            name: "node multi-valued MessagingBinding.Address in the other order",
            url: url,
            parameters: [("MessagingBinding.Address", "+1415xxxxxxx"), ("MessagingBinding.Address", "+1325xxxxxxx")],
            signature: "83O6e2vORAoJHUNzJjDWN1jz+BA="
        ),
    ]

    @Test("a published form vector validates", arguments: formVectors)
    func publishedFormVectorValidates(_ vector: FormVector) {
        #expect(validator.isValid(signature: vector.signature, url: vector.url, formParameters: vector.parameters))
    }

    @Test func theSignatureOfTheDefaultVectorIsComputedExactly() {
        let signature = WebhookSignatureValidator.signature(
            authToken: Self.token,
            url: Self.url,
            formParameters: Self.parameters
        )
        #expect(signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    }

    struct BodyVector: Sendable, CustomTestStringConvertible {
        let name: String
        let url: String
        let body: String
        let signature: String
        var testDescription: String { name }
    }

    static let bodyVectors: [BodyVector] = [
        BodyVector(
            name: "python bodySHA256 appended to the query",
            url: url + "&bodySHA256=" + bodyHash,
            body: body,
            signature: "a9nBmqA0ju/hNViExpshrM61xv4="
        ),
        BodyVector(
            name: "node bodySHA256 as the only query parameter",
            url: "https://mycompany.com/myapp.php?bodySHA256=" + bodyHash,
            body: body,
            signature: "y77kIzt2vzLz71DgmJGsen2scGs="
        ),
        BodyVector(
            name: "node empty JSON body signed with :443",
            url: url + "&bodySHA256=" + emptyBodyHash,
            body: "{}",
            signature: "Ldidvp12m26NI7eqEvxnEpkd9Hc="
        ),
        BodyVector(
            name: "node empty JSON body signed without port",
            url: url + "&bodySHA256=" + emptyBodyHash,
            body: "{}",
            signature: "rw/jVviOgicj2+kHZULvebnA4ag="
        ),
    ]

    @Test("a published body vector validates", arguments: bodyVectors)
    func publishedBodyVectorValidates(_ vector: BodyVector) {
        #expect(validator.isValid(signature: vector.signature, url: vector.url, body: vector.body))
    }

    @Test("a published body vector fails when the body was tampered with", arguments: bodyVectors)
    func tamperedBodyFails(_ vector: BodyVector) {
        #expect(!validator.isValid(signature: vector.signature, url: vector.url, body: vector.body + " "))
    }
}
