/// Turns phone numbers as people write them into E.164.
///
/// Accepted: national forms of the default region ("070-123 45 67", "412 34 567"), international forms
/// ("+46 70…", "0046 70…", "+46 (0)70…", "+46 070…"), the region's own country code without plus
/// ("46701234567", as spreadsheets keep it), a leading "tel:", any Unicode decimal digits (Arabic-Indic,
/// Persian, fullwidth), and spaces, dashes, dots, slashes, parentheses and invisible direction marks
/// anywhere. Numbers of any country are accepted once in international form.
public enum PhoneNormalizer {
    public static func normalize(_ raw: String, region: PhoneRegion) -> Result<PhoneNumber, PhoneNumberError> {
        let input = trimmed(raw)
        guard !input.isEmpty else { return .failure(.empty) }
        var body = Substring(input)
        if body.lowercased().hasPrefix("tel:") { body = body.dropFirst(4) }
        guard let scanned = ScannedNumber(body) else { return .failure(.notANumber(input)) }
        guard !scanned.digits.isEmpty else {
            return .failure(trimmed(String(body)).isEmpty && !scanned.hasPlus ? .empty : .notANumber(input))
        }

        let digits = scanned.digits
        if scanned.hasPlus {
            return international(digits, droppingTrunkZerosAt: scanned.parenthesizedZeros, input: input)
        }
        if digits.starts(with: [0, 0]) {  // 00: the international prefix in all the Nordic countries
            let zeros = Set(scanned.parenthesizedZeros.map { $0 - 2 })
            return international(Array(digits.dropFirst(2)), droppingTrunkZerosAt: zeros, input: input)
        }
        return national(digits, region: region, input: input)
    }

    private static func national(_ digits: [UInt8], region: PhoneRegion, input: String) -> Result<PhoneNumber, PhoneNumberError> {
        var significant = digits[...]
        var problem: NationalNumberProblem?
        if region.hasTrunkPrefix {
            if significant.first == 0 { significant = significant.dropFirst() } else { problem = .invalidStart }
        }
        problem = problem ?? region.problem(withNationalNumber: Array(significant))
        guard let problem else { return .success(number(code: region.callingCode, national: significant)) }

        // The region's own country code without + or 00 ("46 70 123 45 67", "4741234567"): spreadsheets drop the plus.
        let code = region.callingCode.utf8.map { $0 - UInt8(ascii: "0") }
        if digits.starts(with: code) {
            var rest = digits.dropFirst(code.count)
            if region.hasTrunkPrefix, rest.first == 0 { rest = rest.dropFirst() }
            if region.problem(withNationalNumber: Array(rest)) == nil {
                return .success(number(code: region.callingCode, national: rest))
            }
        }
        // Four digits or fewer are too short for anything, whatever they start with.
        if problem == .invalidStart, digits.count <= 4 { return .failure(.tooShort(input)) }
        return .failure(error(problem, input: input, region: region))
    }

    private static func international(_ allDigits: [UInt8], droppingTrunkZerosAt trunkZeros: Set<Int>,
                                      input: String) -> Result<PhoneNumber, PhoneNumberError> {
        // "+46 (0)70…": a lone (0) after the country code is the trunk prefix, not part of the number.
        let digits = allDigits.indices.filter { $0 == 0 || !trunkZeros.contains($0) }.map { allDigits[$0] }
        guard !digits.isEmpty else { return .failure(.tooShort(input)) }
        guard let (code, rest) = CallingCodes.split(digits) else {
            return .failure(digits.count < 2 ? .tooShort(input) : .unknownCountryCode(input))
        }
        var national = rest[...]
        if let region = PhoneRegion(callingCode: code) {
            // "+46 070…": people keep the trunk 0 after the country code.
            if region.hasTrunkPrefix, national.first == 0 { national = national.dropFirst() }
            if let problem = region.problem(withNationalNumber: Array(national)) {
                return .failure(error(problem, input: input, region: region))
            }
        } else {
            if national.first == 0, !CallingCodes.keepLeadingZero.contains(code) { national = national.dropFirst() }
            let lengths = CallingCodes.nationalLengths[code]
                ?? CallingCodes.minimumNationalLength...(CallingCodes.maximumDigits - code.count)
            if national.count < lengths.lowerBound { return .failure(.tooShort(input)) }
            if national.count > lengths.upperBound { return .failure(.tooLong(input)) }
        }
        guard code.count + national.count <= CallingCodes.maximumDigits else { return .failure(.tooLong(input)) }
        return .success(number(code: code, national: national))
    }

    private static func number(code: String, national: ArraySlice<UInt8>) -> PhoneNumber {
        PhoneNumber(e164: "+" + code + String(phoneDigits: national))
    }

    private static func error(_ problem: NationalNumberProblem, input: String, region: PhoneRegion) -> PhoneNumberError {
        switch problem {
        case .tooShort: .tooShort(input)
        case .tooLong: .tooLong(input)
        case .invalidStart: .invalidForRegion(input, region: region.code)
        }
    }

    /// The input without surrounding whitespace and invisible marks, as quoted in error messages.
    private static func trimmed(_ raw: String) -> String {
        let scalars = raw.unicodeScalars
        guard let first = scalars.firstIndex(where: { !ScannedNumber.isInvisible($0) }),
              let last = scalars.lastIndex(where: { !ScannedNumber.isInvisible($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
