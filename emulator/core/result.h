#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace dynemu {

// A host-side error: a message a person can act on. Guest faults are not
// errors of this kind; the CPU loop delivers those.
struct Error {
  std::string message;
};

// Either a value or an Error. Errors are values: nothing unwinds through
// translated code.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}
  Result(Error error) : m_v(std::move(error)) {}

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(m_v);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(m_v));
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(m_v);
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(m_v);
  }

 private:
  std::variant<T, Error> m_v;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}
  Result(Error error) : m_error(std::move(error)), m_failed(true) {}

  bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  void value() const {}
  const Error& error() const {
    assert(m_failed);
    return m_error;
  }

 private:
  Error m_error;
  bool m_failed = false;
};

}  // namespace dynemu

// Evaluates a Result; on error returns it from the enclosing function,
// otherwise yields the value (GCC statement expression).
#define TRY(expr)                                 \
  ({                                              \
    auto _try_result = (expr);                    \
    if (!_try_result) return _try_result.error(); \
    std::move(_try_result).value();               \
  })
