#include "storage/sqlite/schema.h"

#include <string>

#include <fmt/format.h>

namespace trunkline::storage::sqlite {
namespace {

// Referential rules: children that only make sense with their parent (CIDRs, credentials,
// gateways, backups, targets, bindings) CASCADE; an entity other rows still point at
// (an account with trunks, a trunk with numbers, a carrier in a route) is RESTRICTed, and
// the store reports which rows hold it. A number's trunk must belong to the number's
// account: the composite key (trunk_id, account_id) enforces it.
constexpr std::string_view kTables = R"sql(
CREATE TABLE config_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL);
INSERT INTO config_version VALUES (1, 1);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  country TEXT NOT NULL CHECK (length(country) = 2),
  enabled INTEGER NOT NULL DEFAULT 1);

CREATE TABLE trunks (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE RESTRICT,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  registration INTEGER NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  port INTEGER NOT NULL DEFAULT 5060 CHECK (port BETWEEN 1 AND 65535),
  transport INTEGER NOT NULL DEFAULT 0 CHECK (transport BETWEEN 0 AND 2),
  channel_limit INTEGER NOT NULL DEFAULT 0 CHECK (channel_limit >= 0),
  cps_limit INTEGER NOT NULL DEFAULT 0 CHECK (cps_limit >= 0),
  codecs TEXT NOT NULL DEFAULT '',
  caller_id_policy INTEGER NOT NULL DEFAULT 0 CHECK (caller_id_policy BETWEEN 0 AND 2),
  fixed_caller_id TEXT NOT NULL DEFAULT '',
  max_duration_s INTEGER NOT NULL DEFAULT 0 CHECK (max_duration_s >= 0),
  UNIQUE (account_id, name),
  UNIQUE (id, account_id));

CREATE TABLE trunk_cidrs (
  id INTEGER PRIMARY KEY,
  trunk_id INTEGER NOT NULL REFERENCES trunks(id) ON DELETE CASCADE,
  cidr TEXT NOT NULL,
  UNIQUE (trunk_id, cidr));

CREATE TABLE carriers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1,
  probe_interval_s INTEGER NOT NULL DEFAULT 30 CHECK (probe_interval_s >= 0),
  down_after INTEGER NOT NULL DEFAULT 3 CHECK (down_after >= 1),
  up_after INTEGER NOT NULL DEFAULT 2 CHECK (up_after >= 1));

-- Digest credentials: HA1 hashes only, never a password. Owned by a trunk (customers
-- authenticating to us) or by a carrier (us authenticating to it).
CREATE TABLE credentials (
  id INTEGER PRIMARY KEY,
  trunk_id INTEGER REFERENCES trunks(id) ON DELETE CASCADE,
  carrier_id INTEGER REFERENCES carriers(id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  realm TEXT NOT NULL,
  ha1_md5 TEXT NOT NULL CHECK (length(ha1_md5) = 32),
  ha1_sha256 TEXT NOT NULL CHECK (length(ha1_sha256) = 64),
  CHECK ((trunk_id IS NULL) <> (carrier_id IS NULL)));
CREATE UNIQUE INDEX credentials_trunk_user ON credentials(username, realm)
  WHERE trunk_id IS NOT NULL;
CREATE UNIQUE INDEX credentials_carrier ON credentials(carrier_id) WHERE carrier_id IS NOT NULL;
CREATE INDEX credentials_trunk ON credentials(trunk_id);

CREATE TABLE numbers (
  id INTEGER PRIMARY KEY,
  e164 TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE RESTRICT,
  trunk_id INTEGER NOT NULL,
  ring_timeout_s INTEGER NOT NULL DEFAULT 30 CHECK (ring_timeout_s > 0),
  FOREIGN KEY (trunk_id, account_id) REFERENCES trunks(id, account_id) ON DELETE RESTRICT);
CREATE INDEX numbers_trunk ON numbers(trunk_id);
CREATE INDEX numbers_account ON numbers(account_id);

CREATE TABLE number_backups (
  number_id INTEGER NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
  trunk_id INTEGER REFERENCES trunks(id) ON DELETE RESTRICT,
  number TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (number_id, position),
  CHECK ((kind = 0) = (trunk_id IS NOT NULL)));
CREATE INDEX number_backups_trunk ON number_backups(trunk_id);

CREATE TABLE gateways (
  id INTEGER PRIMARY KEY,
  carrier_id INTEGER NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  transport INTEGER NOT NULL CHECK (transport BETWEEN 0 AND 2),
  priority INTEGER NOT NULL DEFAULT 1,
  weight INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),
  UNIQUE (carrier_id, transport, host, port));

CREATE TABLE carrier_cidrs (
  id INTEGER PRIMARY KEY,
  carrier_id INTEGER NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
  cidr TEXT NOT NULL,
  UNIQUE (carrier_id, cidr));

CREATE TABLE routes (
  id INTEGER PRIMARY KEY,
  prefix TEXT NOT NULL UNIQUE,
  failover_codes TEXT NOT NULL DEFAULT '',
  ring_timeout_s INTEGER NOT NULL DEFAULT 60 CHECK (ring_timeout_s > 0));

CREATE TABLE route_targets (
  route_id INTEGER NOT NULL REFERENCES routes(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  carrier_id INTEGER NOT NULL REFERENCES carriers(id) ON DELETE RESTRICT,
  priority INTEGER NOT NULL DEFAULT 1,
  weight INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),
  PRIMARY KEY (route_id, carrier_id));
CREATE INDEX route_targets_carrier ON route_targets(carrier_id);

-- Registration bindings: runtime state, not configuration (no config_version bump).
CREATE TABLE registrations (
  trunk_id INTEGER NOT NULL REFERENCES trunks(id) ON DELETE CASCADE,
  aor TEXT NOT NULL,
  contact TEXT NOT NULL,
  received TEXT NOT NULL DEFAULT '',
  connection_id INTEGER NOT NULL DEFAULT 0,
  call_id TEXT NOT NULL DEFAULT '',
  cseq INTEGER NOT NULL DEFAULT 0,
  expires_at_ms INTEGER NOT NULL,
  user_agent TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (trunk_id, aor, contact));
CREATE INDEX registrations_expiry ON registrations(expires_at_ms);

-- CDRs keep plain ids (no foreign keys): a record outlives the trunk it names.
CREATE TABLE cdrs (
  id INTEGER PRIMARY KEY,
  call_uuid TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  trunk_id INTEGER NOT NULL,
  number_id INTEGER NOT NULL,
  direction INTEGER NOT NULL,
  source_address TEXT NOT NULL,
  from_raw TEXT NOT NULL,
  to_raw TEXT NOT NULL,
  from_e164 TEXT NOT NULL,
  to_e164 TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  ring_ms INTEGER NOT NULL,
  answer_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  billable_s INTEGER NOT NULL,
  disposition INTEGER NOT NULL,
  final_code INTEGER NOT NULL,
  final_reason TEXT NOT NULL,
  hangup_by INTEGER NOT NULL);
CREATE UNIQUE INDEX cdrs_call_uuid ON cdrs(call_uuid) WHERE call_uuid <> '';
CREATE INDEX cdrs_start ON cdrs(start_ms);
CREATE INDEX cdrs_account_start ON cdrs(account_id, start_ms);
CREATE INDEX cdrs_trunk_start ON cdrs(trunk_id, start_ms);

CREATE TABLE cdr_attempts (
  cdr_id INTEGER NOT NULL REFERENCES cdrs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  carrier_id INTEGER NOT NULL,
  trunk_id INTEGER NOT NULL,
  target TEXT NOT NULL,
  sip_code INTEGER NOT NULL,
  reason TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  PRIMARY KEY (cdr_id, seq)) WITHOUT ROWID;
)sql";

// Tables whose writes are configuration changes; triggers bump config_version inside the
// writing transaction, so any process (the CLI, a future API node) is seen by the server.
constexpr std::string_view kConfigTables[] = {
    "accounts", "trunks",   "trunk_cidrs",   "credentials", "numbers",      "number_backups",
    "carriers", "gateways", "carrier_cidrs", "routes",      "route_targets"};

std::string build() {
  std::string sql(kTables);
  for (auto table : kConfigTables) {
    for (auto [op, tag] : {std::pair{"INSERT", "ins"}, {"UPDATE", "upd"}, {"DELETE", "del"}}) {
      sql += fmt::format(
          "CREATE TRIGGER cv_{}_{} AFTER {} ON {} BEGIN "
          "UPDATE config_version SET version = version + 1 WHERE id = 1; END;\n",
          table, tag, op, table);
    }
  }
  return sql;
}

}  // namespace

std::string_view schemaV2() {
  static const std::string kSql = build();
  return kSql;
}

}  // namespace trunkline::storage::sqlite

namespace trunkline::storage::sqlite {

std::string_view schemaV3() {
  return R"sql(
CREATE TABLE gateway_status (
  node_id TEXT NOT NULL,
  gateway_id INTEGER NOT NULL,
  up INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  consecutive_successes INTEGER NOT NULL,
  changes INTEGER NOT NULL,
  last_change_ms INTEGER NOT NULL,
  last_probe_code INTEGER NOT NULL,
  last_probe_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (node_id, gateway_id));
)sql";
}

}  // namespace trunkline::storage::sqlite

namespace trunkline::storage::sqlite {

std::string_view schemaV5() {
  return R"sql(
ALTER TABLE cdrs ADD COLUMN media_anchored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN caller_rtp_packets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN caller_rtp_lost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN caller_jitter_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN caller_mos_x100 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN callee_rtp_packets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN callee_rtp_lost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN callee_jitter_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN callee_mos_x100 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN quality_flags INTEGER NOT NULL DEFAULT 0;
)sql";
}

}  // namespace trunkline::storage::sqlite

namespace trunkline::storage::sqlite {

std::string_view schemaV7() {
  static const std::string kSql = [] {
    std::string sql = R"sql(
-- Rate decks and their entries (billing/rate_deck.h). Rates and fees are sub-units
-- (1/10,000 of a minor unit); effective_to_ms is exclusive.
CREATE TABLE rate_decks (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default = 0 OR kind = 1),
  fee_on_zero INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX rate_decks_one_default ON rate_decks(is_default) WHERE is_default = 1;

CREATE TABLE rates (
  id INTEGER PRIMARY KEY,
  deck_id INTEGER NOT NULL REFERENCES rate_decks(id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  per_minute_sub INTEGER NOT NULL CHECK (per_minute_sub >= 0),
  connect_fee_sub INTEGER NOT NULL DEFAULT 0 CHECK (connect_fee_sub >= 0),
  initial_s INTEGER NOT NULL CHECK (initial_s >= 1),
  subsequent_s INTEGER NOT NULL CHECK (subsequent_s >= 1),
  minimum_s INTEGER NOT NULL DEFAULT 0 CHECK (minimum_s >= 0),
  effective_from_ms INTEGER NOT NULL DEFAULT 0,
  effective_to_ms INTEGER NOT NULL,
  CHECK (effective_from_ms < effective_to_ms));
CREATE INDEX rates_lookup ON rates(deck_id, prefix, effective_from_ms);

ALTER TABLE accounts ADD COLUMN price_deck_id INTEGER REFERENCES rate_decks(id) ON DELETE RESTRICT;
ALTER TABLE carriers ADD COLUMN cost_deck_id INTEGER REFERENCES rate_decks(id) ON DELETE RESTRICT;
CREATE INDEX accounts_price_deck ON accounts(price_deck_id);
CREATE INDEX carriers_cost_deck ON carriers(cost_deck_id);

-- Rating loads decks apart from the rest of the configuration (they can be large): its own
-- version, bumped by every write that changes what rates whom.
CREATE TABLE rating_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO rating_version VALUES (1, 1);
CREATE TRIGGER rv_accounts_deck AFTER UPDATE OF price_deck_id ON accounts BEGIN
  UPDATE rating_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER rv_carriers_deck AFTER UPDATE OF cost_deck_id ON carriers BEGIN
  UPDATE rating_version SET version = version + 1 WHERE id = 1; END;

ALTER TABLE cdrs ADD COLUMN rated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN cost_unrated TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN price_unrated TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN cost_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN price_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN margin_minor INTEGER;
ALTER TABLE cdrs ADD COLUMN cost_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN price_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN cost_rate_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN price_rate_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN cost_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN price_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN cost_billed_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN price_billed_s INTEGER NOT NULL DEFAULT 0;
)sql";
    // Deck writes are configuration changes (config_version, like kConfigTables) and
    // rating changes (rating_version).
    for (auto table : {"rate_decks", "rates"}) {
      for (auto [op, tag] : {std::pair{"INSERT", "ins"}, {"UPDATE", "upd"}, {"DELETE", "del"}}) {
        sql += fmt::format(
            "CREATE TRIGGER cv_{}_{} AFTER {} ON {} BEGIN "
            "UPDATE config_version SET version = version + 1 WHERE id = 1; "
            "UPDATE rating_version SET version = version + 1 WHERE id = 1; END;\n",
            table, tag, op, table);
      }
    }
    return sql;
  }();
  return kSql;
}

}  // namespace trunkline::storage::sqlite

namespace trunkline::storage::sqlite {

std::string_view schemaV6() {
  return R"sql(
ALTER TABLE trunks ADD COLUMN srtp INTEGER NOT NULL DEFAULT 0 CHECK (srtp BETWEEN 0 AND 2);
ALTER TABLE carriers ADD COLUMN srtp INTEGER NOT NULL DEFAULT 0 CHECK (srtp BETWEEN 0 AND 2);
)sql";
}

}  // namespace trunkline::storage::sqlite

namespace trunkline::storage::sqlite {

std::string_view schemaV9() {
  // account_id NULL = operator-wide. Removing an account removes its subscriptions, and
  // removing a subscription removes its deliveries and their attempts (the log belongs to
  // the subscription). Runtime state: no config_version trigger.
  return R"sql(
CREATE TABLE webhook_subscriptions (
  id INTEGER PRIMARY KEY,
  account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  event_types INTEGER NOT NULL,
  secret TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  insecure_tls INTEGER NOT NULL DEFAULT 0,
  description TEXT NOT NULL DEFAULT '',
  disabled_reason TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions(account_id);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_attempt_ms INTEGER NOT NULL,
  delivered_ms INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_ms);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, id);
CREATE TABLE webhook_attempts (
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  status INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, number)) WITHOUT ROWID;
)sql";
}

}  // namespace trunkline::storage::sqlite

namespace trunkline::storage::sqlite {

std::string_view schemaV10() {
  return R"sql(
CREATE INDEX cdrs_account_disposition_start ON cdrs(account_id, disposition, start_ms);
CREATE INDEX cdrs_from_start ON cdrs(from_e164, start_ms);
CREATE INDEX cdrs_to_start ON cdrs(to_e164, start_ms);
)sql";
}

}  // namespace trunkline::storage::sqlite
