#pragma once
// SQL of the schema migrations after 1 (see database.cc for the list). Never edit a
// released migration: add the next one.
#include <string_view>

namespace trunkline::storage::sqlite {

/// Migration 2: configuration (accounts, trunks, credentials, numbers, carriers, routes),
/// the config_version counter bumped by triggers on every configuration write,
/// registrations and CDRs.
std::string_view schemaV2();

}  // namespace trunkline::storage::sqlite
