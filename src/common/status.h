#pragma once
// Status and Result<T>: errors as values at every boundary (our code throws nothing).
//
// A Status is OK or carries a message plus a retry class that tells the caller what to do:
//   kTransient - try again later (network blip, broker down, 5xx),
//   kPermanent - this one item can never succeed (message too large): dead-letter it,
//   kFatal     - the component cannot work as configured (bad credentials, missing topic).
// OK costs one pointer comparison; errors allocate.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/check.h"

namespace sluice {

enum class Retry { kTransient, kPermanent, kFatal };

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Transient(std::string message) { return Status(Retry::kTransient, std::move(message)); }
  static Status Permanent(std::string message) { return Status(Retry::kPermanent, std::move(message)); }
  static Status Fatal(std::string message) { return Status(Retry::kFatal, std::move(message)); }

  bool ok() const { return rep_ == nullptr; }
  Retry retry() const { return ok() ? Retry::kTransient : rep_->retry; }
  const std::string& message() const {
    static const std::string kEmpty;
    return ok() ? kEmpty : rep_->message;
  }
  // Returns a copy whose message is "<context>: <message>", same retry class.
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return Status(rep_->retry, std::string(context) + ": " + rep_->message);
  }
  std::string ToString() const { return ok() ? "OK" : message(); }

 private:
  struct Rep {
    Retry retry;
    std::string message;
  };
  Status(Retry retry, std::string message)
      : rep_(std::make_shared<const Rep>(Rep{retry, std::move(message)})) {}
  std::shared_ptr<const Rep> rep_;
};

// Result<T>: a T or an error Status. Member names follow std::expected so we can swap later.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status error) : error_(std::move(error)) {  // NOLINT
    SLUICE_CHECK(!error_.ok(), "Result constructed from an OK status");
  }
  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }
  T& value() & {
    SLUICE_CHECK(has_value(), error_.message().c_str());
    return *value_;
  }
  const T& value() const& {
    SLUICE_CHECK(has_value(), error_.message().c_str());
    return *value_;
  }
  T&& value() && {
    SLUICE_CHECK(has_value(), error_.message().c_str());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& error() const { return error_; }
  Status status() const { return has_value() ? Status() : error_; }

 private:
  std::optional<T> value_;
  Status error_;
};

}  // namespace sluice

#define SLUICE_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::sluice::Status _st = (expr);              \
    if (!_st.ok()) return _st;                  \
  } while (0)
