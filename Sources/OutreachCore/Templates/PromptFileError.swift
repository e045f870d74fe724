import Foundation

/// A prompt file that cannot be used: "catalog.json5: languages.sv.nativname: unknown key (did you mean 'nativeName'?)".
public struct PromptFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

/// Decodes a JSON5 prompt file, turning decoding failures into one line naming the file and the key.
func decodeJSON5<Value: Decodable>(_ type: Value.Type, from data: Data, file: String) throws(PromptFileError) -> Value {
    let decoder = JSONDecoder()
    decoder.allowsJSON5 = true
    do {
        return try decoder.decode(Value.self, from: data)
    } catch let error as ConfigValueError {
        throw PromptFileError(file: file, message: error.description)
    } catch let error as DecodingError {
        throw PromptFileError(file: file, message: OutreachConfig.describe(error))
    } catch {
        throw PromptFileError(file: file, message: "\(error)")
    }
}
