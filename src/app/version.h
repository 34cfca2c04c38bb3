#pragma once
namespace trunkline::app {
// Set by CMake from project(VERSION ...).
inline constexpr const char* kVersion = TL_VERSION;
}  // namespace trunkline::app
