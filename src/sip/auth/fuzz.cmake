# fuzz_sip_auth: libFuzzer target for the digest header parsers, verifier and client.
# Included from fuzz/CMakeLists.txt in the clang fuzz-only configuration, where
# src/sip/auth is not added: the module's sources are compiled here once more, instrumented
# like tl_sip_message (coverage + ASan/UBSan), into a library private to the fuzzer.
find_package(OpenSSL REQUIRED)
if(NOT DEFINED TL_FUZZ_FLAGS)
  set(TL_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
endif()
set(TL_SIP_AUTH_DIR ${CMAKE_CURRENT_LIST_DIR})
add_library(tl_sip_auth_fuzzlib STATIC
  ${TL_SIP_AUTH_DIR}/digest.cc
  ${TL_SIP_AUTH_DIR}/random.cc
  ${TL_SIP_AUTH_DIR}/nonce.cc
  ${TL_SIP_AUTH_DIR}/server.cc
  ${TL_SIP_AUTH_DIR}/client.cc
)
target_include_directories(tl_sip_auth_fuzzlib PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(tl_sip_auth_fuzzlib PUBLIC tl_sip_message tl_base OpenSSL::Crypto)
target_compile_options(tl_sip_auth_fuzzlib PRIVATE
  -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)

add_executable(fuzz_sip_auth ${PROJECT_SOURCE_DIR}/fuzz/sip_auth_fuzz.cc)
target_link_libraries(fuzz_sip_auth PRIVATE tl_sip_auth_fuzzlib)
target_compile_options(fuzz_sip_auth PRIVATE ${TL_FUZZ_FLAGS})
target_link_options(fuzz_sip_auth PRIVATE ${TL_FUZZ_FLAGS})
