// The one translation unit that compiles Asio's (and Asio SSL's) implementation; every other
// file includes Asio headers with ASIO_SEPARATE_COMPILATION set by the tl_net target.
#include <asio/impl/src.hpp>
#include <asio/ssl/impl/src.hpp>
