import CCrypto
import Foundation

/// Keyed hashes for webhook signatures (Twilio HMAC-SHA1, Vonage HMAC-SHA256/SHA512/MD5), over OpenSSL's one-shot `HMAC()`.
public enum HMAC {
    public static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] { compute(EVP_sha1(), key, message) }
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] { compute(EVP_sha256(), key, message) }
    public static func sha512(key: [UInt8], message: [UInt8]) -> [UInt8] { compute(EVP_sha512(), key, message) }
    public static func md5(key: [UInt8], message: [UInt8]) -> [UInt8] { compute(EVP_md5(), key, message) }

    public static func sha1(key: String, message: String) -> [UInt8] { sha1(key: Array(key.utf8), message: Array(message.utf8)) }
    public static func sha256(key: String, message: String) -> [UInt8] { sha256(key: Array(key.utf8), message: Array(message.utf8)) }
    public static func sha512(key: String, message: String) -> [UInt8] { sha512(key: Array(key.utf8), message: Array(message.utf8)) }
    public static func md5(key: String, message: String) -> [UInt8] { md5(key: Array(key.utf8), message: Array(message.utf8)) }

    private static func compute(_ digest: OpaquePointer?, _ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // Empty inputs still get a valid pointer (a one-byte buffer passed with length 0).
        let keyStorage = key.isEmpty ? [0] : key
        let messageStorage = message.isEmpty ? [0] : message
        let result = keyStorage.withUnsafeBufferPointer { keyBytes in
            messageStorage.withUnsafeBufferPointer { messageBytes in
                output.withUnsafeMutableBufferPointer { out in
                    CCrypto.HMAC(digest, keyBytes.baseAddress, Int32(key.count),
                                 messageBytes.baseAddress, message.count, out.baseAddress, &length)
                }
            }
        }
        // HMAC() fails only for a missing digest or an allocation failure; neither is recoverable here.
        precondition(result != nil, "OpenSSL HMAC failed")
        return Array(output.prefix(Int(length)))
    }
}

/// Plain message digests (Vonage "MD5 hash" signatures, Twilio `bodySHA256`).
public enum Digest {
    public static func md5(_ message: [UInt8]) -> [UInt8] { compute(EVP_md5(), message) }
    public static func sha1(_ message: [UInt8]) -> [UInt8] { compute(EVP_sha1(), message) }
    public static func sha256(_ message: [UInt8]) -> [UInt8] { compute(EVP_sha256(), message) }

    public static func md5(_ message: String) -> [UInt8] { md5(Array(message.utf8)) }
    public static func sha1(_ message: String) -> [UInt8] { sha1(Array(message.utf8)) }
    public static func sha256(_ message: String) -> [UInt8] { sha256(Array(message.utf8)) }

    private static func compute(_ digest: OpaquePointer?, _ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let messageStorage = message.isEmpty ? [0] : message
        let ok = messageStorage.withUnsafeBufferPointer { messageBytes in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(messageBytes.baseAddress, message.count, out.baseAddress, &length, digest, nil)
            }
        }
        precondition(ok == 1, "OpenSSL EVP_Digest failed")
        return Array(output.prefix(Int(length)))
    }
}

/// Byte encodings used by signature schemes, and a timing-safe comparison.
public enum ByteEncoding {
    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hex in either case; nil for odd length or a non-hex character.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Standard base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    public static func bytes(fromBase64 text: String) -> [UInt8]? { Data(base64Encoded: text).map { Array($0) } }

    /// Compares in time that depends only on the lengths (CRYPTO_memcmp), for signature checks.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, a.count) == 0
            }
        }
    }

    /// String form: compares the UTF-8 bytes.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    private static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
