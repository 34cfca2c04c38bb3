# Provisioning commands (account/trunk/number/carrier/route/registration, provision apply).
# Included from src/app/CMakeLists.txt after the trunkline executable is defined:
#   include(provision.cmake)
# Set TL_PROVISION_TARGET to link another executable instead of `trunkline`.
find_package(nlohmann_json 3 REQUIRED)
if(NOT TL_PROVISION_TARGET)
  set(TL_PROVISION_TARGET trunkline)
endif()

add_library(tl_app_provision STATIC
  ${CMAKE_CURRENT_LIST_DIR}/provision.cc
  ${CMAKE_CURRENT_LIST_DIR}/provision_routing.cc
  ${CMAKE_CURRENT_LIST_DIR}/provision_file.cc
  ${CMAKE_CURRENT_LIST_DIR}/provision_util.cc
)
target_include_directories(tl_app_provision PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(tl_app_provision
  PUBLIC tl_storage tl_base CLI11::CLI11 nlohmann_json::nlohmann_json
  PRIVATE OpenSSL::Crypto toml11::toml11)
target_link_libraries(${TL_PROVISION_TARGET} PRIVATE tl_app_provision)

if(TL_BUILD_TESTS)
  add_executable(provision_test
    ${CMAKE_CURRENT_LIST_DIR}/test/provision_cli_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/test/provision_file_test.cc
  )
  target_link_libraries(provision_test PRIVATE tl_app_provision GTest::gtest_main)
  target_compile_definitions(provision_test PRIVATE
    TL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(provision_test)
endif()
