# The API-backed CLI (cli_*.cc): a library linked into `trunkline`, and its unit tests.
# Included from src/app/CMakeLists.txt after provision.cmake.
find_package(OpenSSL REQUIRED)
add_library(tl_app_cli STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cli_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/cli_table.cc
  ${CMAKE_CURRENT_LIST_DIR}/cli_offline.cc
  ${CMAKE_CURRENT_LIST_DIR}/cli_commands.cc
  ${CMAKE_CURRENT_LIST_DIR}/cli_entities.cc
  ${CMAKE_CURRENT_LIST_DIR}/cli_routing.cc
  ${CMAKE_CURRENT_LIST_DIR}/cli_billing.cc
)
target_include_directories(tl_app_cli PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(tl_app_cli
  PUBLIC tl_app_provision tl_api tl_ops tl_storage tl_base CLI11::CLI11 nlohmann_json::nlohmann_json
  PRIVATE OpenSSL::SSL OpenSSL::Crypto)
target_link_libraries(trunkline PRIVATE tl_app_cli)

if(TL_BUILD_TESTS)
  add_executable(cli_test
    ${CMAKE_CURRENT_LIST_DIR}/test/cli_client_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/test/cli_commands_test.cc
  )
  target_link_libraries(cli_test PRIVATE tl_app_cli GTest::gtest_main)
  gtest_discover_tests(cli_test)
endif()
