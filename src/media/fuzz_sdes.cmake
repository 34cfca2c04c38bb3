# fuzz_sdes: libFuzzer target for the SDES key-params reader (src/media/sdes.cc), seeds in
# src/media/fuzz/corpus_sdes. Included from fuzz/CMakeLists.txt in the clang fuzz-only
# configuration, where src/media is not added: sdes.cc (pure parsing + RAND_bytes) is
# compiled here, instrumented, into a private library.
if(NOT DEFINED TL_FUZZ_FLAGS)
  set(TL_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
endif()
find_package(OpenSSL REQUIRED)
add_library(tl_media_sdes_fuzzlib STATIC ${CMAKE_CURRENT_LIST_DIR}/sdes.cc)
target_include_directories(tl_media_sdes_fuzzlib PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(tl_media_sdes_fuzzlib PUBLIC tl_base OpenSSL::Crypto)
target_compile_options(tl_media_sdes_fuzzlib PRIVATE
  -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)

add_executable(fuzz_sdes ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_sdes.cc)
target_link_libraries(fuzz_sdes PRIVATE tl_media_sdes_fuzzlib)
target_compile_options(fuzz_sdes PRIVATE ${TL_FUZZ_FLAGS})
target_link_options(fuzz_sdes PRIVATE ${TL_FUZZ_FLAGS})
