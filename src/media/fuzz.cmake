# fuzz_rtp: libFuzzer target for media's RTP/RTCP parsers and receive statistics. Included
# from fuzz/CMakeLists.txt in the clang fuzz-only configuration, where src/media is not
# added: the pure parsing sources are compiled here, instrumented, into a private library.
if(NOT DEFINED TL_FUZZ_FLAGS)
  set(TL_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
endif()
set(TL_MEDIA_DIR ${CMAKE_CURRENT_LIST_DIR})
add_library(tl_media_fuzzlib STATIC
  ${TL_MEDIA_DIR}/rtp.cc
  ${TL_MEDIA_DIR}/rtp_stats.cc
  ${TL_MEDIA_DIR}/quality.cc
)
target_include_directories(tl_media_fuzzlib PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(tl_media_fuzzlib PUBLIC tl_base)
target_compile_options(tl_media_fuzzlib PRIVATE
  -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)

add_executable(fuzz_rtp ${TL_MEDIA_DIR}/fuzz/fuzz_rtp.cc)
target_link_libraries(fuzz_rtp PRIVATE tl_media_fuzzlib)
target_compile_options(fuzz_rtp PRIVATE ${TL_FUZZ_FLAGS})
target_link_options(fuzz_rtp PRIVATE ${TL_FUZZ_FLAGS})
