/// The words of an SMS and of a voice call, per locale. Unknown locales fall back to English.
public struct MessageText: Sendable {
    let codeLine: String
    let doNotShare: String
    let callIntro: String
    let callRepeat: String
    let pressAnyKey: String
    /// The `<Say language=…>` value for calls.
    public let voiceLanguage: String

    /// The SMS body: the code line, the do-not-share sentence when asked for, the Android `AppHash` line, and the
    /// WebOTP origin line (`@host #code`) last, where the WebOTP API requires it.
    public func smsBody(
        serviceName: String, code: OneTimeCode, doNotShare: Bool, appHash: String?, webOTPHost: String?
    ) -> String {
        var lines = [codeLine.replacingPlaceholders(name: serviceName, code: code.revealed)]
        if doNotShare { lines[0] += ". " + self.doNotShare }
        if let appHash, !appHash.isEmpty { lines.append(appHash) }
        if let webOTPHost, !webOTPHost.isEmpty { lines.append("@\(webOTPHost) #\(code.revealed)") }
        return lines.joined(separator: "\n")
    }

    /// What a call says: an introduction, then the code digit by digit, each digit its own sentence, three times.
    public func callScript(serviceName: String, code: OneTimeCode) -> CallScript {
        CallScript(
            intro: callIntro.replacingPlaceholders(name: serviceName, code: ""),
            digits: code.revealed.map { String($0) },
            repeatLine: callRepeat,
            pressAnyKey: pressAnyKey,
            language: voiceLanguage
        )
    }

    /// The text for `locale` (`es`, `pt-BR`, `fr_CA` …), matched on its language.
    public static func forLocale(_ locale: String?) -> MessageText {
        let language = locale?.lowercased().prefix { $0.isLetter } ?? "en"
        return catalog[String(language)] ?? english
    }

    static let english = MessageText(
        codeLine: "Your {name} verification code is: {code}",
        doNotShare: "Don’t share this code with anyone; our employees will never ask for the code",
        callIntro: "Your {name} verification code is:", callRepeat: "Once again, your code is:",
        pressAnyKey: "Press any key to hear your verification code.", voiceLanguage: "en-US")

    static let catalog: [String: MessageText] = [
        "en": english,
        "es": MessageText(
            codeLine: "Tu código de verificación de {name} es: {code}",
            doNotShare: "No compartas este código con nadie; nuestros empleados nunca te lo pedirán.",
            callIntro: "Tu código de verificación de {name} es:", callRepeat: "Una vez más, tu código es:",
            pressAnyKey: "Pulsa cualquier tecla para escuchar tu código de verificación.", voiceLanguage: "es-ES"),
        "fr": MessageText(
            codeLine: "Votre code de vérification {name} est : {code}",
            doNotShare: "Ne partagez ce code avec personne ; nos employés ne vous le demanderont jamais.",
            callIntro: "Votre code de vérification {name} est :", callRepeat: "Je répète, votre code est :",
            pressAnyKey: "Appuyez sur une touche pour entendre votre code de vérification.", voiceLanguage: "fr-FR"),
        "de": MessageText(
            codeLine: "Ihr {name} Bestätigungscode lautet: {code}",
            doNotShare: "Geben Sie diesen Code an niemanden weiter; unsere Mitarbeiter werden nie danach fragen.",
            callIntro: "Ihr {name} Bestätigungscode lautet:", callRepeat: "Noch einmal, Ihr Code lautet:",
            pressAnyKey: "Drücken Sie eine beliebige Taste, um Ihren Bestätigungscode zu hören.",
            voiceLanguage: "de-DE"),
        "pt": MessageText(
            codeLine: "Seu código de verificação {name} é: {code}",
            doNotShare: "Não compartilhe este código com ninguém; nossos funcionários nunca pedirão o código.",
            callIntro: "Seu código de verificação {name} é:", callRepeat: "Mais uma vez, seu código é:",
            pressAnyKey: "Pressione qualquer tecla para ouvir seu código de verificação.", voiceLanguage: "pt-BR"),
    ]
}

/// The parts of a voice call that reads a code, for the HTTP module to render as TwiML.
public struct CallScript: Sendable, Equatable {
    public var intro: String
    public var digits: [String]
    public var repeatLine: String
    public var pressAnyKey: String
    public var language: String
}

extension String {
    fileprivate func replacingPlaceholders(name: String, code: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            switch rest[rest.index(after: open)..<close] {
            case "name": result += name
            case "code": result += code
            default: result += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return (result + rest).trimmingWhitespace.description
    }
}
