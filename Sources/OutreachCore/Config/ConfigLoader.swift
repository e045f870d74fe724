import Foundation

/// A config file that cannot be used, with the file and the key: "Config/outreach.json5: quietHours.start: '25:00' is not a time".
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

extension OutreachConfig {
    /// Decodes config text (JSON5). `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws(ConfigError) -> OutreachConfig {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            return try decoder.decode(OutreachConfig.self, from: data)
        } catch let error as ConfigValueError {
            throw ConfigError(file: file, message: error.description)
        } catch let error as DecodingError {
            throw ConfigError(file: file, message: Self.describe(error))
        } catch {
            throw ConfigError(file: file, message: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            configKeyPath(context.codingPath)
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(Self.kindName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(Self.kindName(type)), found null"
        case .keyNotFound(let key, let context):
            let prefix = path(context)
            return "\(prefix.isEmpty ? "" : prefix + ": ")missing key '\(key.stringValue)'"
        case .dataCorrupted(let context):
            let where_ = path(context)
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            return where_.isEmpty ? "not valid JSON5: \(detail)" : "\(where_): \(detail)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func kindName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a text in quotes"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return type is any Collection.Type ? "a list" : "an object"
        }
    }
}
