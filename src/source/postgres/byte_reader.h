#pragma once
// ByteReader: reads big-endian integers and strings from the front of a byte view and advances
// it (leveldb util/coding.h style). Every read checks the remaining length first, so malformed
// or truncated input can never read out of bounds: a failed read returns false and leaves the
// reader where it was.
//
// The reader does not own the bytes; they must outlive it and every string_view it returned.
// Not thread-safe; used by one decoder call at a time.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sluice::pg {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  bool ReadU8(uint8_t* value) {
    if (bytes_.empty()) return false;
    *value = static_cast<uint8_t>(bytes_[0]);
    bytes_.remove_prefix(1);
    return true;
  }
  bool ReadU16(uint16_t* value) { return ReadBigEndian(value); }
  bool ReadU32(uint32_t* value) { return ReadBigEndian(value); }
  bool ReadU64(uint64_t* value) { return ReadBigEndian(value); }
  bool ReadI16(int16_t* value) { return ReadSigned<uint16_t>(value); }
  bool ReadI32(int32_t* value) { return ReadSigned<uint32_t>(value); }
  bool ReadI64(int64_t* value) { return ReadSigned<uint64_t>(value); }

  // A NUL-terminated string (the protocol's String); the view excludes the terminator.
  bool ReadCString(std::string_view* value) {
    const void* nul = std::memchr(bytes_.data(), '\0', bytes_.size());
    if (nul == nullptr) return false;
    size_t length = static_cast<const char*>(nul) - bytes_.data();
    *value = bytes_.substr(0, length);
    bytes_.remove_prefix(length + 1);
    return true;
  }

  // Exactly `length` bytes.
  bool ReadBytes(size_t length, std::string_view* value) {
    if (bytes_.size() < length) return false;
    *value = bytes_.substr(0, length);
    bytes_.remove_prefix(length);
    return true;
  }

 private:
  template <typename U>
  bool ReadBigEndian(U* value) {
    if (bytes_.size() < sizeof(U)) return false;
    U result = 0;
    for (size_t i = 0; i < sizeof(U); ++i) {
      result = static_cast<U>((result << 8) | static_cast<uint8_t>(bytes_[i]));
    }
    *value = result;
    bytes_.remove_prefix(sizeof(U));
    return true;
  }
  template <typename U, typename S>
  bool ReadSigned(S* value) {
    U raw;
    if (!ReadBigEndian(&raw)) return false;
    *value = static_cast<S>(raw);
    return true;
  }

  std::string_view bytes_;
};

}  // namespace sluice::pg
