#pragma once
// SQL of the schema migrations after 1 (see database.cc for the list). Never edit a
// released migration: add the next one.
#include <string_view>

namespace trunkline::storage::sqlite {

/// Migration 2: configuration (accounts, trunks, credentials, numbers, carriers, routes),
/// the config_version counter bumped by triggers on every configuration write,
/// registrations and CDRs.
std::string_view schemaV2();
/// Migration 3: `gateway_status`, each node's view of carrier gateway health (runtime state:
/// no config_version trigger, no foreign key, so a removed gateway's row just goes stale).
std::string_view schemaV3();
/// Migration 5: media quality columns of `cdrs` (what the relay saw of each direction).
std::string_view schemaV5();
/// Migration 6: the SRTP policy of trunks and carriers (0 off, 1 offer, 2 required).
std::string_view schemaV6();

/// Migration 7: rate decks and rates, deck assignment of accounts and carriers, the
/// rating version, and the rating columns of `cdrs`.
std::string_view schemaV7();

/// Migration 9: webhooks: `webhook_subscriptions` (signing secrets stored as issued, see
/// src/webhook/README.md), `webhook_deliveries` (one event for one subscription, the unit
/// that is retried, with the exact body) and `webhook_attempts` (the delivery log).
std::string_view schemaV9();
/// Migration 10: CDR indexes for the disposition filter of one account and the number
/// filter (calling or called E.164), so those pages stay index walks at millions of rows.
std::string_view schemaV10();

}  // namespace trunkline::storage::sqlite
