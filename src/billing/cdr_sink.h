#pragma once
// CdrSink: where the CdrWriter commits its batches. storage::CdrStore has the same
// contract (see StoreCdrSink in store_sink.h); tests use fakes.
#include <cstddef>
#include <span>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::billing {

class CdrSink {
 public:
  virtual ~CdrSink() = default;
  /// Writes `cdrs` in ONE transaction, durably, before returning: all or none. Returns how
  /// many rows were inserted (records already stored, by callUuid, may be skipped, so a
  /// retried batch does not duplicate). Called only from the CdrWriter's thread.
  virtual base::Result<std::size_t> insertBatch(std::span<const storage::Cdr> cdrs) = 0;
};

}  // namespace trunkline::billing
