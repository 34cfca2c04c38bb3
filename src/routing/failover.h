#pragma once
// Failover policy between outbound attempts, and the response the caller gets when every
// attempt failed. Pure functions: any thread.
#include <array>
#include <span>

#include "storage/model.h"

namespace trunkline::routing {

/// Used when a route's failoverCodes is empty.
inline constexpr std::array<int, 5> kDefaultFailoverCodes{408, 500, 502, 503, 504};

/// Whether a final response `sipCode` from one attempt moves on to the next. sipCode 0
/// (no response: transport failure, timer B expiry, ring timeout) always fails over.
/// With the default set, 4xx such as 404/486 and 6xx never fail over: the callee's
/// answer would be the same through any carrier. A route can list other codes
/// (replacing the default set), e.g. 404 for carriers with partial coverage.
bool shouldFailover(int sipCode, const storage::Route& route);

/// The response to send upstream when every attempt failed (RFC 3261 §16.7 step 6,
/// simplified for a B2BUA facing carriers). `codes` are the final responses of the
/// attempts in order, 0 for an attempt without a response. The rule:
///  1. the first 6xx (a definitive answer: 600 busy everywhere, 603 decline...);
///  2. else the first 4xx other than 401, 407 and 408 (about the callee or the request:
///     404, 484, 486, 480, 488...);
///  3. else the first 5xx other than 503 (500, 502, 504...);
///  4. else 408 if a carrier answered 408;
///  5. else 503: nothing answered, or only 503s, carriers' 401/407 (our credentials are
///     our problem, never the caller's) or 3xx (carrier redirects are not forwarded: they
///     would leak the carrier's topology).
/// 1xx and 2xx in `codes` are ignored (not failures).
int bestFinalResponse(std::span<const int> codes);

}  // namespace trunkline::routing
