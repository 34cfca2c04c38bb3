#pragma once
// Output of the API-backed CLI commands: aligned tables built from the API's JSON, and
// the JSON itself for --json. Plain functions, any thread.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trunkline::app::cli {

using Json = nlohmann::json;

/// The header, then the rows, each column as wide as its widest cell and two spaces
/// apart; nothing is truncated (ids and addresses stay whole). Ends with a newline.
std::string renderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

/// The value at a dotted path ("credential.username"), or nullptr.
const Json* jsonAt(const Json& object, std::string_view path);

/// A cell for a JSON value: strings as they are, null or missing "-", true/false as
/// yes/no, arrays of scalars joined with ',' ("-" when empty), objects compact JSON.
std::string cellText(const Json* value);

/// One table column: its header and how a cell is made from an item.
struct Column {
  std::string header;
  std::function<std::string(const Json& item)> cell;
};
/// A column showing the field at `path` with cellText().
Column field(std::string header, std::string path);

/// Renders `items` (an array of objects) with `columns`.
std::string renderItems(const std::vector<Column>& columns, const Json& items);

}  // namespace trunkline::app::cli
