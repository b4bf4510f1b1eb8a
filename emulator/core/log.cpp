#include "emulator/core/log.h"

#include <string>

namespace dynemu {

namespace {
struct ItemName {
  LogItem item;
  std::string_view name;
};
constexpr ItemName kItems[] = {
#define X(id, name, help) {LogItem::id, name},
    DYNEMU_LOG_ITEMS(X)
#undef X
};
}  // namespace

Result<LogMask> LogMask::parse(std::string_view list) {
  LogMask mask;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view word = list.substr(0, comma);
    bool found = false;
    for (const auto& entry : kItems) {
      if (entry.name == word) {
        mask.add(entry.item);
        found = true;
      }
    }
    if (!found) return Error{"unknown -d item '" + std::string(word) + "' (try -d help)"};
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return mask;
}

const char* LogMask::help() {
  return
#define X(id, name, help) "  " name "\t" help "\n"
      DYNEMU_LOG_ITEMS(X)
#undef X
          ;
}

}  // namespace dynemu
