#pragma once
// Result<T>: the one error-carrying return type of Trunkline (tl::expected today,
// std::expected once the toolchain has it: change the alias here only).
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace trunkline::base {

/// Broad classes of failure; modules carry their own typed detail where callers branch on it
/// (for example sip::ParseErrc).
enum class Errc {
  InvalidArgument,
  NotFound,
  AlreadyExists,
  Io,
  Timeout,
  Config,
  Protocol,
  Unavailable,
  Internal,
};

std::string_view errcName(Errc e);

/// An error value: a class and a human-readable message that says what went wrong.
struct Error {
  Errc code = Errc::Internal;
  std::string message;

  Error() = default;
  Error(Errc c, std::string m) : code(c), message(std::move(m)) {}
};

template <class T>
using Result = tl::expected<T, Error>;

/// Shorthand for returning an error: `return fail(Errc::Io, "bind failed");`
inline tl::unexpected<Error> fail(Errc c, std::string message) {
  return tl::unexpected<Error>(Error{c, std::move(message)});
}

}  // namespace trunkline::base
