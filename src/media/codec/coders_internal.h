#pragma once
// Per-codec factories behind makeDecoder()/makeEncoder(); one translation unit per library
// so that C headers (spandsp, bcg729, opus) stay out of every other file.
#include <memory>

#include "media/codec/coder.h"

namespace trunkline::media::codec::detail {

std::unique_ptr<Decoder> makeG711Decoder(CodecId id);
std::unique_ptr<Encoder> makeG711Encoder(CodecId id);
base::Result<std::unique_ptr<Decoder>> makeG722Decoder();
base::Result<std::unique_ptr<Encoder>> makeG722Encoder();
base::Result<std::unique_ptr<Decoder>> makeG729Decoder();
base::Result<std::unique_ptr<Encoder>> makeG729Encoder();
base::Result<std::unique_ptr<Decoder>> makeOpusDecoder(std::uint32_t pcmRate);
base::Result<std::unique_ptr<Encoder>> makeOpusEncoder(const EncoderOptions& opts);

}  // namespace trunkline::media::codec::detail
