#pragma once
// One function per parser: parse `msg` the way that library normally does (all headers it
// would parse for these reads), read the common fields into `sink`, free everything.
// Returns false if the library rejected the message or a mandatory field is missing.
#include <string_view>

#include "sink.h"

namespace trunkline::bench {

void osipGlobalInit();  // osip's parser_init(); once, before osipParseRead
template <class Sink>
bool osipParseRead(std::string_view msg, Sink& sink);

template <class Sink>
bool sofiaParseRead(std::string_view msg, Sink& sink);

#ifdef TL_BENCH_HAVE_TRUNKLINE
template <class Sink>
bool trunklineParseRead(std::string_view msg, Sink& sink);
#endif

}  // namespace trunkline::bench
