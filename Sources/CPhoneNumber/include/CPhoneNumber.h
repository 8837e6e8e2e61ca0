#ifndef VERIFYD_CPHONENUMBER_H
#define VERIFYD_CPHONENUMBER_H

// A plain C view of libphonenumber (Debian's libphonenumber-dev, C++). Swift imports only this header, so no
// dependent target sees protobuf, ICU, abseil or boost headers, and no C++ object crosses the boundary: every answer
// is written into caller-owned, fixed-size storage, nothing is allocated for the caller to free, and no C++ exception
// leaves a function (a failure inside libphonenumber answers CPN_INTERNAL_ERROR).
//
// Every function may be called from any thread at any time: see CPhoneNumber.cc for why that holds.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Room for '+', a calling code (at most 3 digits), a national number (libphonenumber keeps at most 17 digits) and
/// the terminating NUL.
#define CPN_E164_CAPACITY 24

/// Room for a region: an ISO 3166-1 alpha-2 code, "001" for non-geographic numbers (+800, +882, ...) or "ZZ" for
/// unknown, and the terminating NUL.
#define CPN_REGION_CAPACITY 4

/// Inputs longer than this are refused before libphonenumber reads them; 15 digits with a separator between every
/// two of them take 30 characters.
#define CPN_MAX_INPUT_LENGTH 64

typedef enum __attribute__((enum_extensibility(closed))) cpn_status {
    CPN_OK = 0,
    /// The number starts with '+' but no known calling code follows, or has no '+' and no default region was given.
    CPN_INVALID_COUNTRY_CODE,
    /// Not a number: empty, too long, or with a character the function does not read (cpn_parse reads ASCII digits,
    /// '+', and the separators space, tab, '-', '.', '/', '(' and ')'; cpn_facts_for_e164 only E.164).
    CPN_NOT_A_NUMBER,
    CPN_TOO_SHORT_AFTER_IDD,
    CPN_TOO_SHORT_NSN,
    CPN_TOO_LONG_NSN,
    /// A NULL pointer where an answer or an input was required.
    CPN_BAD_ARGUMENT,
    /// libphonenumber threw (e.g. out of memory); the answer was not written.
    CPN_INTERNAL_ERROR,
} cpn_status;

/// libphonenumber's PhoneNumberUtil::PhoneNumberType, in the same order (CPhoneNumber.cc asserts it).
typedef enum __attribute__((enum_extensibility(closed))) cpn_line_type {
    CPN_FIXED_LINE = 0,
    CPN_MOBILE,
    /// Regions such as the NANP cannot tell fixed-line from mobile by the number alone.
    CPN_FIXED_LINE_OR_MOBILE,
    CPN_TOLL_FREE,
    CPN_PREMIUM_RATE,
    CPN_SHARED_COST,
    CPN_VOIP,
    CPN_PERSONAL_NUMBER,
    CPN_PAGER,
    CPN_UAN,
    CPN_VOICEMAIL,
    CPN_UNKNOWN,
} cpn_line_type;

/// What libphonenumber's metadata says about one number.
typedef struct cpn_facts {
    /// GetRegionCodeForNumber: the region, "001" for non-geographic numbers, "ZZ" when no region's metadata accepts
    /// the number. NUL-terminated.
    char region[CPN_REGION_CAPACITY];
    /// The country calling code, e.g. 1 for every NANP region.
    int32_t calling_code;
    /// GetNumberType: CPN_UNKNOWN for every invalid number.
    cpn_line_type line_type;
    /// What IsValidNumber answers: the number matches a valid pattern of its region.
    bool is_valid;
    /// What IsPossibleNumber answers (true for every valid number): the number's length is one its country's
    /// numbers have, so an invalid number may be in a range newer than the metadata.
    bool is_possible;
} cpn_facts;

/// Loads libphonenumber's metadata now rather than on the first lookup, and answers how many geographic regions it
/// knows (0 if loading failed).
int32_t cpn_initialize(void);

/// Reads the `length` bytes at `text` (need not be NUL-terminated) as a phone number: E.164 or international
/// ('+' first), or national when `default_region` (an upper-case ISO 3166-1 alpha-2 code, or NULL) is given.
/// On CPN_OK writes the number in canonical E.164 form, NUL-terminated, into `e164` (CPN_E164_CAPACITY bytes); on
/// any other status writes an empty string. The number may still be invalid: ask cpn_facts_for_e164.
cpn_status cpn_parse(const char *text, size_t length, const char *default_region, char *e164);

/// The facts about the `length` bytes at `e164`, which must be exactly E.164: '+', a first digit 1-9, at most 15
/// digits in all. Anything else answers CPN_NOT_A_NUMBER; a number whose calling code does not exist answers
/// CPN_INVALID_COUNTRY_CODE. The number is read as written, with none of cpn_parse's leniency, so a trunk prefix
/// kept after the calling code (+44 0...) makes it invalid rather than silently another number.
/// On CPN_OK every field of `facts` is written; on any other status `facts` is left zeroed.
cpn_status cpn_facts_for_e164(const char *e164, size_t length, cpn_facts *facts);

/// cpn_facts_for_e164's `region` alone, at a third of its cost: the number's type, which takes the rest, is not
/// read. Same input and statuses; on CPN_OK writes the NUL-terminated region into `region` (CPN_REGION_CAPACITY
/// bytes), on any other status an empty string.
cpn_status cpn_region_for_e164(const char *e164, size_t length, char *region);

/// Writes the regions that share `calling_code`, the main one first, as NUL-terminated, comma-separated codes
/// ("US,AG,AI,..."), into `buffer`. Answers the length of the whole list without its NUL, like snprintf; when that is
/// not less than `capacity`, nothing but an empty string is written. An unknown calling code answers 0.
size_t cpn_regions_for_calling_code(int32_t calling_code, char *buffer, size_t capacity);

/// Writes libphonenumber's example number of `type` for `region` in E.164 form into `e164` (CPN_E164_CAPACITY bytes)
/// and answers true, or answers false when the metadata has no such example. The examples are the metadata's own
/// test data: useful to tests, meaningless to production decisions.
bool cpn_example_number(const char *region, cpn_line_type type, char *e164);

#ifdef __cplusplus
}
#endif

#endif
