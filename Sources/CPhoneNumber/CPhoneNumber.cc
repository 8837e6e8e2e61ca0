// The C API of CPhoneNumber.h over libphonenumber's PhoneNumberUtil.
//
// Thread safety: PhoneNumberUtil::GetInstance() is a thread-safe singleton. Debian builds libphonenumber with its
// POSIX singleton (the library imports pthread_once), so the first caller constructs the instance exactly once and
// concurrent first callers wait for it. Everything called below is a const query over metadata that is immutable once
// constructed; the one thing those queries fill lazily, the regular-expression cache, is guarded by the library's own
// lock (regexp_cache.h). Nothing here keeps state of its own.
//
// Logging: the singleton installs libphonenumber's NullLogger when it is constructed, and nothing here replaces it,
// so no parse failure ever prints the number it was given.

#include "CPhoneNumber.h"

#include <cstring>
#include <list>
#include <set>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// The line type crosses the boundary as a plain integer cast, so both enumerations must keep the same values.
#define CPN_SAME_TYPE(ours, theirs) \
    static_assert(static_cast<int>(ours) == static_cast<int>(PhoneNumberUtil::theirs), #ours " moved")
CPN_SAME_TYPE(CPN_FIXED_LINE, FIXED_LINE);
CPN_SAME_TYPE(CPN_MOBILE, MOBILE);
CPN_SAME_TYPE(CPN_FIXED_LINE_OR_MOBILE, FIXED_LINE_OR_MOBILE);
CPN_SAME_TYPE(CPN_TOLL_FREE, TOLL_FREE);
CPN_SAME_TYPE(CPN_PREMIUM_RATE, PREMIUM_RATE);
CPN_SAME_TYPE(CPN_SHARED_COST, SHARED_COST);
CPN_SAME_TYPE(CPN_VOIP, VOIP);
CPN_SAME_TYPE(CPN_PERSONAL_NUMBER, PERSONAL_NUMBER);
CPN_SAME_TYPE(CPN_PAGER, PAGER);
CPN_SAME_TYPE(CPN_UAN, UAN);
CPN_SAME_TYPE(CPN_VOICEMAIL, VOICEMAIL);
CPN_SAME_TYPE(CPN_UNKNOWN, UNKNOWN);
static_assert(PhoneNumberUtil::kMaxNumberType == PhoneNumberUtil::UNKNOWN, "libphonenumber grew a line type");
#undef CPN_SAME_TYPE

namespace {

// Parse() is lenient by design: it skips leading text ("Tel: "), turns letters into keypad digits ("1-800-FLOWERS"),
// reads and then drops extensions ("ext. 5"), and folds non-ASCII digits into ASCII. Each of those rewrites what the
// caller typed into some other number that a code would then be sent to, so only digits, a plus sign and the
// separators people write between digit groups get through.
bool IsDialString(const char *text, size_t length) {
    if (length == 0 || length > CPN_MAX_INPUT_LENGTH) return false;
    for (size_t index = 0; index < length; ++index) {
        const char byte = text[index];
        const bool digit = byte >= '0' && byte <= '9';
        // strchr would also find the literal's terminating NUL, hence the explicit NUL test.
        const bool separator = byte != '\0' && std::strchr("+ \t-./()", byte) != nullptr;
        if (!digit && !separator) return false;
    }
    return true;
}

bool IsE164(const char *text, size_t length) {
    if (length < 3 || length > 16 || text[0] != '+' || text[1] < '1' || text[1] > '9') return false;
    for (size_t index = 2; index < length; ++index) {
        if (text[index] < '0' || text[index] > '9') return false;
    }
    return true;
}

// Builds the number as Parse() would from "+<digits>", without Parse(): its leniency (finding a number inside
// text, normalising digits, trying IDD and trunk prefixes) is half the cost of a lookup, and it would strip a trunk
// prefix written after the calling code, so that the facts described a number other than the one to be sent to.
// What remains of Parse() for E.164 is below: the calling code (ITU calling codes are prefix-free, so the first of
// the 1-, 2- and 3-digit prefixes that is one is the one), the national number's length bounds, and the leading
// zeros that an integer national number cannot hold (SetItalianLeadingZerosForPhoneNumber).
cpn_status NumberFromE164(const PhoneNumberUtil &util, const std::string &digits, PhoneNumber *number) {
    static const size_t kMaxCallingCodeLength = 3, kMinNationalLength = 2;
    int calling_code = 0;
    size_t code_length = 0;
    for (size_t length = 1; length <= kMaxCallingCodeLength && length < digits.size(); ++length) {
        const int candidate = std::stoi(digits.substr(0, length));
        std::string region;
        util.GetRegionCodeForCountryCode(candidate, &region);
        if (region != "ZZ") {
            calling_code = candidate;
            code_length = length;
            break;
        }
    }
    if (calling_code == 0) return CPN_INVALID_COUNTRY_CODE;
    const std::string national = digits.substr(code_length);
    if (national.size() < kMinNationalLength) return CPN_TOO_SHORT_NSN;

    number->set_country_code(calling_code);
    if (national[0] == '0') {
        number->set_italian_leading_zero(true);
        size_t zeros = 1;
        while (zeros < national.size() - 1 && national[zeros] == '0') ++zeros;
        if (zeros != 1) number->set_number_of_leading_zeros(static_cast<int32_t>(zeros));
    }
    number->set_national_number(std::stoull(national));

    // The number must print back as it was written; anything else would be a bug above, not a fact.
    std::string formatted;
    util.Format(*number, PhoneNumberUtil::E164, &formatted);
    return formatted.compare(1, std::string::npos, digits) == 0 ? CPN_OK : CPN_INTERNAL_ERROR;
}

cpn_status StatusFor(PhoneNumberUtil::ErrorType error) {
    switch (error) {
        case PhoneNumberUtil::NO_PARSING_ERROR: return CPN_OK;
        case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR: return CPN_INVALID_COUNTRY_CODE;
        case PhoneNumberUtil::NOT_A_NUMBER: return CPN_NOT_A_NUMBER;
        case PhoneNumberUtil::TOO_SHORT_AFTER_IDD: return CPN_TOO_SHORT_AFTER_IDD;
        case PhoneNumberUtil::TOO_SHORT_NSN: return CPN_TOO_SHORT_NSN;
        case PhoneNumberUtil::TOO_LONG_NSN: return CPN_TOO_LONG_NSN;
    }
    return CPN_INTERNAL_ERROR;
}

// Copies `value` and its NUL into `buffer` only if all of it fits: a truncated number or region would be a
// different, plausible-looking answer.
bool CopyWhole(const std::string &value, char *buffer, size_t capacity) {
    if (value.size() >= capacity) return false;
    std::memcpy(buffer, value.c_str(), value.size() + 1);
    return true;
}

// The number at `e164` (exactly E.164, checked here) read as written: what cpn_facts_for_e164 and
// cpn_region_for_e164 both start from.
cpn_status ReadE164(const PhoneNumberUtil &util, const char *e164, size_t length, PhoneNumber *number) {
    if (!IsE164(e164, length)) return CPN_NOT_A_NUMBER;
    return NumberFromE164(util, std::string(e164 + 1, length - 1), number);
}

// GetRegionCodeForNumber into `region` (CPN_REGION_CAPACITY bytes); false if it does not fit.
bool WriteRegion(const PhoneNumberUtil &util, const PhoneNumber &number, char *region) {
    std::string answer;
    util.GetRegionCodeForNumber(number, &answer);
    return CopyWhole(answer, region, CPN_REGION_CAPACITY);
}

}  // namespace

extern "C" int32_t cpn_initialize(void) {
    try {
        std::set<std::string> regions;
        PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
        return static_cast<int32_t>(regions.size());
    } catch (...) {
        return 0;
    }
}

extern "C" cpn_status cpn_parse(const char *text, size_t length, const char *default_region, char *e164) {
    if (e164 == nullptr || (text == nullptr && length > 0)) return CPN_BAD_ARGUMENT;
    e164[0] = '\0';
    if (!IsDialString(text, length)) return CPN_NOT_A_NUMBER;
    try {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        PhoneNumber number;
        // "ZZ" is libphonenumber's "no default region": only numbers written with '+' parse.
        const cpn_status status =
            StatusFor(util.Parse(std::string(text, length), default_region ? default_region : "ZZ", &number));
        if (status != CPN_OK) return status;
        std::string formatted;
        util.Format(number, PhoneNumberUtil::E164, &formatted);
        return CopyWhole(formatted, e164, CPN_E164_CAPACITY) ? CPN_OK : CPN_INTERNAL_ERROR;
    } catch (...) {
        e164[0] = '\0';
        return CPN_INTERNAL_ERROR;
    }
}

extern "C" cpn_status cpn_facts_for_e164(const char *e164, size_t length, cpn_facts *facts) {
    if (facts == nullptr || (e164 == nullptr && length > 0)) return CPN_BAD_ARGUMENT;
    *facts = cpn_facts{};
    try {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        PhoneNumber number;
        const cpn_status status = ReadE164(util, e164, length, &number);
        if (status != CPN_OK) return status;

        cpn_facts answer{};
        if (!WriteRegion(util, number, answer.region)) return CPN_INTERNAL_ERROR;
        answer.calling_code = number.country_code();
        const PhoneNumberUtil::PhoneNumberType type = util.GetNumberType(number);
        answer.line_type = static_cast<cpn_line_type>(type);
        // IsValidNumber would repeat GetNumberType's work (~30% of a lookup): both find the number's region and
        // then match its national number against that region's type patterns, and a number is valid exactly when
        // one matches ("the type of a valid phone number, or UNKNOWN if it is invalid", phonenumberutil.h).
        answer.is_valid = type != PhoneNumberUtil::UNKNOWN;
        // Only a number already found invalid pays for the length check.
        answer.is_possible = answer.is_valid || util.IsPossibleNumber(number);
        *facts = answer;
        return CPN_OK;
    } catch (...) {
        *facts = cpn_facts{};
        return CPN_INTERNAL_ERROR;
    }
}

extern "C" cpn_status cpn_region_for_e164(const char *e164, size_t length, char *region) {
    if (region == nullptr || (e164 == nullptr && length > 0)) return CPN_BAD_ARGUMENT;
    region[0] = '\0';
    try {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        PhoneNumber number;
        const cpn_status status = ReadE164(util, e164, length, &number);
        if (status != CPN_OK) return status;
        // CopyWhole writes nothing that does not fit, so `region` stays empty on failure.
        return WriteRegion(util, number, region) ? CPN_OK : CPN_INTERNAL_ERROR;
    } catch (...) {
        region[0] = '\0';
        return CPN_INTERNAL_ERROR;
    }
}

extern "C" size_t cpn_regions_for_calling_code(int32_t calling_code, char *buffer, size_t capacity) {
    if (buffer != nullptr && capacity > 0) buffer[0] = '\0';
    try {
        std::list<std::string> regions;
        PhoneNumberUtil::GetInstance()->GetRegionCodesForCountryCallingCode(calling_code, &regions);
        std::string joined;
        for (const std::string &region : regions) {
            if (!joined.empty()) joined += ',';
            joined += region;
        }
        if (buffer != nullptr) CopyWhole(joined, buffer, capacity);
        return joined.size();
    } catch (...) {
        return 0;
    }
}

extern "C" bool cpn_example_number(const char *region, cpn_line_type type, char *e164) {
    if (region == nullptr || e164 == nullptr || type < CPN_FIXED_LINE || type > CPN_UNKNOWN) return false;
    e164[0] = '\0';
    try {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        PhoneNumber number;
        if (!util.GetExampleNumberForType(region, static_cast<PhoneNumberUtil::PhoneNumberType>(type), &number)) {
            return false;
        }
        std::string formatted;
        util.Format(number, PhoneNumberUtil::E164, &formatted);
        return CopyWhole(formatted, e164, CPN_E164_CAPACITY);
    } catch (...) {
        return false;
    }
}
