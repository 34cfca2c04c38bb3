#pragma once
// TextArena: stable storage for the text a SessionDescription gains by editing.
//
// Parsed lines are views over the caller's body; an edited line is rendered once into the
// arena and the line's view re-pointed there. Blocks are never moved or freed before the
// arena itself, so every view handed out stays valid across moves of the owner. Not
// thread-safe; owned by one SessionDescription.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace trunkline::sdp {

class TextArena {
 public:
  TextArena() = default;
  TextArena(TextArena&&) noexcept = default;
  TextArena& operator=(TextArena&&) noexcept = default;
  TextArena(const TextArena&) = delete;
  TextArena& operator=(const TextArena&) = delete;

  /// Copies `text` into the arena and returns a view of the copy.
  std::string_view store(std::string_view text) {
    if (text.empty()) return {};
    if (text.size() > capacity_ - used_) {
      // Small edits share 1 KiB blocks; a large text (an owned body) gets its own block.
      std::size_t size = std::max(text.size(), kBlockSize);
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
      used_ = 0;
      capacity_ = size;
      reserved_ += size;
    }
    char* dst = blocks_.back().get() + used_;
    std::memcpy(dst, text.data(), text.size());
    used_ += text.size();
    return {dst, text.size()};
  }

  /// Bytes held in blocks (for memory accounting).
  std::size_t reserved() const { return reserved_; }

 private:
  static constexpr std::size_t kBlockSize = 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = 0;
  std::size_t capacity_ = 0;
  std::size_t reserved_ = 0;
};

}  // namespace trunkline::sdp
