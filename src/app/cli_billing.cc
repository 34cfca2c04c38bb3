// The billing command groups: `ratedeck`, `rate` (with a CSV import) and `usage`, over
// /v1/rate-decks and /v1/usage. Amounts are passed as the API takes them (decimal strings
// in the deck currency's major units); the API validates and names refused fields.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "app/cli_commands.h"

namespace trunkline::app::cli {
namespace {

using Kind = Opt::Kind;

constexpr std::size_t kMaxImportBytes = 64u << 20;  // the API's body limit decides below that

Failure usageError(std::string message) {
  return Failure{1, "error: " + std::move(message)};
}

std::string idText(const Json& j) {
  return cellText(jsonAt(j, "id"));
}

Outcome<Json> deckNamed(Context& ctx, const std::string& name) {
  return ctx.findBy("/v1/rate-decks", "name", name, fmt::format("rate deck named '{}'", name));
}

void putText(Json& body, const Values& v, const std::string& opt, const std::string& json) {
  if (v.has(opt)) body[json] = v.get(opt);
}

void printCreated(Context& ctx, const Values& v, const Json& obj, const std::string& message) {
  if (v.json)
    ctx.out << obj.dump(2) << '\n';
  else
    ctx.out << fmt::format("{} (id {})\n", message, idText(obj));
}

Group deckGroup() {
  Group g{"ratedeck", "Rate decks (price: what accounts pay; cost: what carriers charge)", {}};
  g.leaves.push_back(
      {"add",
       "Add a rate deck",
       {{"--name", Kind::Text, "Unique name", true},
        {"--kind", Kind::Text, "price (default) or cost"},
        {"--currency", Kind::Text, "ISO 4217 code (default USD)"},
        {"--default", Kind::Flag, "The price deck of accounts that have none"},
        {"--fee-on-zero", Kind::Flag, "Charge the connection fee on calls of 0 s too"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         Json body{{"name", v.get("--name")}};
         putText(body, v, "--kind", "kind");
         putText(body, v, "--currency", "currency");
         if (v.flag("--default")) body["is_default"] = true;
         if (v.flag("--fee-on-zero")) body["charge_fee_on_zero_duration"] = true;
         auto r = ctx.call("POST", "/v1/rate-decks", &body);
         if (!r) return tl::unexpected(r.error());
         printCreated(ctx, v, *r, fmt::format("rate deck '{}' added", v.get("--name")));
         return {};
       }});
  g.leaves.push_back(
      {"list", "List rate decks", {}, true, [](Context& ctx, const Values& v) -> Outcome<void> {
         auto all = ctx.listAll("/v1/rate-decks");
         if (!all) return tl::unexpected(all.error());
         printItems(ctx, v,
                    {field("ID", "id"), field("NAME", "name"), field("KIND", "kind"),
                     field("CURRENCY", "currency"), field("DEFAULT", "is_default"),
                     field("RATES", "rate_count")},
                    *all);
         return {};
       }});
  g.leaves.push_back({"get",
                      "Show one rate deck",
                      {{"--name", Kind::Text, "Deck name", true}},
                      true,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        auto d = deckNamed(ctx, v.get("--name"));
                        if (!d) return tl::unexpected(d.error());
                        if (v.json) {
                          ctx.out << d->dump(2) << '\n';
                          return {};
                        }
                        printItems(ctx, v,
                                   {field("ID", "id"), field("NAME", "name"), field("KIND", "kind"),
                                    field("CURRENCY", "currency"), field("DEFAULT", "is_default"),
                                    field("FEE_ON_ZERO", "charge_fee_on_zero_duration"),
                                    field("RATES", "rate_count")},
                                   Json::array({*d}));
                        return {};
                      }});
  g.leaves.push_back({"remove",
                      "Remove a rate deck and its rates (no account or carrier may use it)",
                      {{"--name", Kind::Text, "Deck name", true}},
                      false,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        auto d = deckNamed(ctx, v.get("--name"));
                        if (!d) return tl::unexpected(d.error());
                        auto r = ctx.call("DELETE", "/v1/rate-decks/" + idText(*d));
                        if (!r) return tl::unexpected(r.error());
                        ctx.out << fmt::format("rate deck '{}' removed\n", v.get("--name"));
                        return {};
                      }});
  return g;
}

const std::vector<Column>& rateColumns() {
  static const std::vector<Column> kColumns = {
      field("ID", "id"),           field("PREFIX", "prefix"),       field("PER_MIN", "per_minute"),
      field("FEE", "connect_fee"), field("INITIAL", "initial_s"),   field("NEXT", "subsequent_s"),
      field("MIN", "minimum_s"),   field("FROM", "effective_from"), field("TO", "effective_to")};
  return kColumns;
}

Group rateGroup() {
  Group g{"rate", "Rates of a deck: add, list, import (CSV), remove", {}};
  g.leaves.push_back(
      {"add",
       "Add one rate to a deck",
       {{"--deck", Kind::Text, "Deck name", true},
        {"--prefix", Kind::Text, "E.164 prefix (\"\" = any destination)", true},
        {"--per-minute", Kind::Text, "Price per minute, e.g. 0.0125 (at most 6 decimals)", true},
        {"--connect-fee", Kind::Text, "Connection fee (default 0)"},
        {"--initial", Kind::Text, "First billed block, s (default 60)"},
        {"--subsequent", Kind::Text, "Later blocks, s (default 60)"},
        {"--minimum", Kind::Text, "Minimum billed time, s (default 0)"},
        {"--from", Kind::Text, "Effective from (RFC 3339)"},
        {"--to", Kind::Text, "Effective until, exclusive (RFC 3339)"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         auto d = deckNamed(ctx, v.get("--deck"));
         if (!d) return tl::unexpected(d.error());
         Json body{{"prefix", v.get("--prefix")}, {"per_minute", v.get("--per-minute")}};
         putText(body, v, "--connect-fee", "connect_fee");
         for (auto [opt, key] : {std::pair{"--initial", "initial_s"},
                                 {"--subsequent", "subsequent_s"},
                                 {"--minimum", "minimum_s"}})
           if (v.has(opt)) body[key] = numberOrText(v.get(opt));
         putText(body, v, "--from", "effective_from");
         putText(body, v, "--to", "effective_to");
         auto r = ctx.call("POST", fmt::format("/v1/rate-decks/{}/rates", idText(*d)), &body);
         if (!r) return tl::unexpected(r.error());
         printCreated(ctx, v, *r, fmt::format("rate for '{}' added", v.get("--prefix")));
         return {};
       }});
  g.leaves.push_back({"list",
                      "List a deck's rates",
                      {{"--deck", Kind::Text, "Deck name", true},
                       {"--prefix", Kind::Text, "Only prefixes starting with this"}},
                      true,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        auto d = deckNamed(ctx, v.get("--deck"));
                        if (!d) return tl::unexpected(d.error());
                        auto all =
                            ctx.listAll(fmt::format("/v1/rate-decks/{}/rates", idText(*d)),
                                        v.has("--prefix") ? "prefix=" + v.get("--prefix") : "");
                        if (!all) return tl::unexpected(all.error());
                        printItems(ctx, v, rateColumns(), *all);
                        return {};
                      }});
  g.leaves.push_back(
      {"import",
       "Import a CSV file of rates, all or nothing (header: prefix,per_minute,connect_fee,"
       "initial_s,subsequent_s,minimum_s,effective_from,effective_to)",
       {{"--deck", Kind::Text, "Deck name", true},
        {"--file", Kind::Text, "The CSV file", true},
        {"--replace", Kind::Flag, "Replace the deck's rates instead of adding"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         std::ifstream in(v.get("--file"), std::ios::binary);
         if (!in) return tl::unexpected(usageError(fmt::format("cannot read {}", v.get("--file"))));
         std::ostringstream text;
         text << in.rdbuf();
         if (text.str().size() > kMaxImportBytes)
           return tl::unexpected(usageError("the file is larger than 64 MiB; split it"));
         auto d = deckNamed(ctx, v.get("--deck"));
         if (!d) return tl::unexpected(d.error());
         // A JSON string body is sent as it is, as text/csv (see Context::call).
         const Json body = text.str();
         auto r = ctx.call("POST",
                           fmt::format("/v1/rate-decks/{}/rates{}", idText(*d),
                                       v.flag("--replace") ? "?replace=true" : ""),
                           &body);
         if (!r) return tl::unexpected(r.error());
         if (v.json)
           ctx.out << r->dump(2) << '\n';
         else
           ctx.out << fmt::format("{} rates imported into '{}'\n", cellText(jsonAt(*r, "imported")),
                                  v.get("--deck"));
         return {};
       }});
  g.leaves.push_back(
      {"remove",
       "Remove one rate by id (see rate list)",
       {{"--deck", Kind::Text, "Deck name", true}, {"--id", Kind::Text, "Rate id", true}},
       false,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         auto d = deckNamed(ctx, v.get("--deck"));
         if (!d) return tl::unexpected(d.error());
         auto r = ctx.call("DELETE",
                           fmt::format("/v1/rate-decks/{}/rates/{}", idText(*d), v.get("--id")));
         if (!r) return tl::unexpected(r.error());
         ctx.out << fmt::format("rate {} removed\n", v.get("--id"));
         return {};
       }});
  return g;
}

Group usageGroup() {
  Group g{"usage", "Calls, minutes and money per account and day (UTC)", {}};
  g.leaves.push_back(
      {"",
       "",
       {{"--from", Kind::Text, "First day, YYYY-MM-DD", true},
        {"--to", Kind::Text, "Last day, YYYY-MM-DD (at most 366 days)", true},
        {"--account", Kind::Text, "Only this account (name)"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         std::string target =
             fmt::format("/v1/usage?from={}&to={}", v.get("--from"), v.get("--to"));
         if (v.has("--account")) {
           auto a = ctx.findBy("/v1/accounts", "name", v.get("--account"),
                               fmt::format("account named '{}'", v.get("--account")));
           if (!a) return tl::unexpected(a.error());
           target += "&account_id=" + idText(*a);
         }
         auto r = ctx.call("GET", target);
         if (!r) return tl::unexpected(r.error());
         const Json items = r->contains("items") ? (*r)["items"] : Json::array();
         printItems(ctx, v,
                    {{"ACCOUNT",
                      [&ctx](const Json& i) {
                        return ctx.nameOf("/v1/accounts", i.value("account_id", Json()));
                      }},
                     field("DATE", "date"),
                     field("CALLS", "calls"),
                     field("ANSWERED", "answered"),
                     field("BILLABLE_S", "billable_s"),
                     field("COST", "cost_minor"),
                     field("PRICE", "price_minor"),
                     field("MARGIN", "margin_minor"),
                     field("CUR", "currency"),
                     field("ASR", "asr"),
                     field("ACD_S", "acd_s")},
                    items);
         return {};
       }});
  return g;
}

}  // namespace

std::vector<Group> billingGroups() {
  return {deckGroup(), rateGroup(), usageGroup()};
}

}  // namespace trunkline::app::cli
