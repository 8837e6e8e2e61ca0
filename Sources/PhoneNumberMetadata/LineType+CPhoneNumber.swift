import CPhoneNumber
import VerifyCore

extension LineType {
    init(_ type: cpn_line_type) {
        switch type {
        case .CPN_FIXED_LINE: self = .fixedLine
        case .CPN_MOBILE: self = .mobile
        case .CPN_FIXED_LINE_OR_MOBILE: self = .fixedLineOrMobile
        case .CPN_TOLL_FREE: self = .tollFree
        case .CPN_PREMIUM_RATE: self = .premiumRate
        case .CPN_SHARED_COST: self = .sharedCost
        case .CPN_VOIP: self = .voip
        case .CPN_PERSONAL_NUMBER: self = .personalNumber
        case .CPN_PAGER: self = .pager
        case .CPN_UAN: self = .uan
        case .CPN_VOICEMAIL: self = .voicemail
        case .CPN_UNKNOWN: self = .unknown
        }
    }
}

extension cpn_line_type {
    init(_ type: LineType) {
        self =
            switch type {
            case .fixedLine: .CPN_FIXED_LINE
            case .mobile: .CPN_MOBILE
            case .fixedLineOrMobile: .CPN_FIXED_LINE_OR_MOBILE
            case .tollFree: .CPN_TOLL_FREE
            case .premiumRate: .CPN_PREMIUM_RATE
            case .sharedCost: .CPN_SHARED_COST
            case .voip: .CPN_VOIP
            case .personalNumber: .CPN_PERSONAL_NUMBER
            case .pager: .CPN_PAGER
            case .uan: .CPN_UAN
            case .voicemail: .CPN_VOICEMAIL
            case .unknown: .CPN_UNKNOWN
            }
    }
}
