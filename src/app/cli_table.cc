#include "app/cli_table.h"

#include <algorithm>

namespace trunkline::app::cli {

std::string renderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string& c = i < cells.size() ? cells[i] : std::string();
      l += c;
      if (i + 1 < width.size()) l.append(width[i] - c.size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

const Json* jsonAt(const Json& object, std::string_view path) {
  const Json* cur = &object;
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    const std::string key(path.substr(0, dot));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return cur;
}

std::string cellText(const Json* v) {
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  if (v->is_array()) {
    if (v->empty()) return "-";
    std::string out;
    for (const auto& e : *v) out += (out.empty() ? "" : ",") + cellText(&e);
    return out;
  }
  return v->dump();
}

Column field(std::string header, std::string path) {
  return Column{std::move(header), [path = std::move(path)](const Json& item) {
                  return cellText(jsonAt(item, path));
                }};
}

std::string renderItems(const std::vector<Column>& columns, const Json& items) {
  std::vector<std::string> header;
  for (const auto& c : columns) header.push_back(c.header);
  std::vector<std::vector<std::string>> rows;
  if (items.is_array())
    for (const auto& item : items) {
      std::vector<std::string> row;
      for (const auto& c : columns) row.push_back(c.cell(item));
      rows.push_back(std::move(row));
    }
  return renderTable(header, rows);
}

}  // namespace trunkline::app::cli
