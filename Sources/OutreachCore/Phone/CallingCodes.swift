/// Country calling codes assigned to countries and territories by the ITU (E.164 list), for numbers
/// written in international form. The codes form a prefix code: no code begins another, so the first
/// 1–3 digits of an international number name exactly one code. Non-geographic services (800, 870,
/// 881–883, …) are left out: nobody on a senior's contact list has one.
enum CallingCodes {
    static let assigned: Set<String> = {
        let oneAndTwoDigit = """
            1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58
            60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98
            """
        let threeDigit = """
            211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239
            240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265
            266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375
            376 377 378 379 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509
            590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686
            687 688 689 690 691 692 850 852 853 855 856 880 886 960 961 962 963 964 965 966 967 968 970 971 972
            973 974 975 976 977 992 993 994 995 996 998
            """
        return Set((oneAndTwoDigit + " " + threeDigit).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }()

    /// Lengths of the national significant number (after the country code) for the countries seniors and
    /// guides most often have family in. Other countries get the general E.164 bound only.
    static let nationalLengths: [String: ClosedRange<Int>] = [
        "1": 10...10,     // USA, Canada and the Caribbean (NANP)
        "44": 9...10,     // United Kingdom
        "49": 5...13,     // Germany (area codes and subscriber numbers vary)
        "90": 10...10,    // Turkey
        "93": 9...9,      // Afghanistan
        "98": 10...10,    // Iran
        "252": 6...9,     // Somalia
        "291": 7...7,     // Eritrea
        "387": 8...9,     // Bosnia and Herzegovina
        "963": 8...9,     // Syria
        "964": 8...10,    // Iraq
        "251": 9...9,     // Ethiopia
        "48": 9...9,      // Poland
        "7": 10...10,     // Russia, Kazakhstan
        "20": 8...10,     // Egypt
        "212": 9...9,     // Morocco
        "961": 7...8,     // Lebanon
        "962": 8...9,     // Jordan
        "970": 8...9,     // Palestine
        "33": 9...9,      // France
        "34": 9...9,      // Spain
        "372": 7...8,     // Estonia
    ]

    /// Countries whose national numbers themselves begin with 0 (Italy keeps the 0 of its area codes
    /// after +39), so a 0 after the country code is not a trunk prefix to drop.
    static let keepLeadingZero: Set<String> = ["39", "378", "379", "225", "241", "242"]

    /// The shortest national significant number accepted where we know nothing better.
    static let minimumNationalLength = 4
    /// E.164: at most 15 digits including the country code.
    static let maximumDigits = 15

    /// Splits international digits (after `+` or `00`) into the calling code and the rest; nil when no
    /// assigned code matches.
    static func split(_ digits: [UInt8]) -> (code: String, rest: [UInt8])? {
        for length in 1...3 where digits.count >= length {
            let candidate = String(phoneDigits: digits.prefix(length))
            if assigned.contains(candidate) { return (candidate, Array(digits.dropFirst(length))) }
        }
        return nil
    }
}

extension String {
    /// ASCII text of decimal digit values 0–9.
    init<Digits: Sequence<UInt8>>(phoneDigits digits: Digits) {
        self.init(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    }
}
