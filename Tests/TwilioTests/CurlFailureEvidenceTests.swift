import CCurl
import Testing

@testable import Twilio

@Suite struct CurlFailureEvidenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let code: UInt32
        let pretransfer: Int64
        let requestBytes: Int
        let headerBytes: Int
        let notSent: Bool
        var testDescription: String {
            "curl \(code), pretransfer \(pretransfer) µs, \(requestBytes) B sent, \(headerBytes) B received"
        }
    }

    static let cases: [Case] = [
        Case(code: 6, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // couldn't resolve host
        Case(code: 5, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // couldn't resolve proxy
        Case(code: 7, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // couldn't connect
        Case(code: 35, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // TLS handshake
        Case(code: 60, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // peer certificate
        Case(code: 58, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // local certificate
        Case(code: 77, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // CA file
        Case(code: 83, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // issuer
        Case(code: 28, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // connect-phase timeout
        Case(code: 28, pretransfer: 1200, requestBytes: 0, headerBytes: 0, notSent: false),  // about to send
        Case(code: 28, pretransfer: 1200, requestBytes: 310, headerBytes: 0, notSent: false),  // timeout after send
        Case(code: 28, pretransfer: 0, requestBytes: 0, headerBytes: 39, notSent: false),  // proxy answered
        Case(code: 42, pretransfer: 0, requestBytes: 0, headerBytes: 0, notSent: true),  // cancelled while connecting
        Case(code: 42, pretransfer: 900, requestBytes: 310, headerBytes: 0, notSent: false),  // cancelled after send
        Case(code: 7, pretransfer: 0, requestBytes: 310, headerBytes: 0, notSent: false),  // retry after a dead reuse
        Case(code: 52, pretransfer: 900, requestBytes: 310, headerBytes: 0, notSent: false),  // got nothing
        Case(code: 56, pretransfer: 900, requestBytes: 310, headerBytes: 0, notSent: false),  // receive error
        Case(code: 55, pretransfer: 900, requestBytes: 0, headerBytes: 0, notSent: false),  // send error
        Case(code: 18, pretransfer: 900, requestBytes: 310, headerBytes: 200, notSent: false),  // partial body
        Case(code: 23, pretransfer: 900, requestBytes: 310, headerBytes: 200, notSent: false),  // body too large
        Case(code: 16, pretransfer: 900, requestBytes: 310, headerBytes: 0, notSent: false),  // HTTP/2 error
    ]

    @Test("a failure counts as not sent only when provably nothing left", arguments: cases)
    func classification(_ testCase: Case) {
        let evidence = CurlFailureEvidence(
            code: CURLcode(rawValue: testCase.code),
            pretransferMicroseconds: testCase.pretransfer,
            requestBytes: testCase.requestBytes,
            headerBytes: testCase.headerBytes
        )
        #expect((evidence.delivery == .notSent) == testCase.notSent)
    }
}
