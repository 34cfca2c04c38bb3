#pragma once
// StoreCdrSink: the CdrWriter's sink over a storage::CdrStore (SqliteCdrStore in the
// embedded build). Same contract on both sides: one durable transaction per batch,
// records already stored (by callUuid) skipped. Used on the writer's thread only; must
// not outlive the store.
#include "billing/cdr_sink.h"
#include "storage/repository.h"

namespace trunkline::billing {

class StoreCdrSink final : public CdrSink {
 public:
  explicit StoreCdrSink(storage::CdrStore& store) : store_(store) {}
  base::Result<std::size_t> insertBatch(std::span<const storage::Cdr> cdrs) override {
    return store_.insertBatch(cdrs);
  }

 private:
  storage::CdrStore& store_;
};

}  // namespace trunkline::billing
