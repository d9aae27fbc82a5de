// JSON from files users hand us (kernels, setups). nlohmann's parser recurses once per nesting
// level, so a file of 100 000 '[' would overflow the stack: the depth is checked first, by a
// linear scan, and parse errors become one-line UserErrors naming the file.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace convscope {

constexpr int kMaxJsonDepth = 64;  // real files nest 3-4 levels

// Throws UserError("<name>: invalid JSON (...)") or ("<name>: JSON nested deeper than 64 levels").
nlohmann::json parse_json_text(const std::string& text, const std::string& name, int max_depth = kMaxJsonDepth);

}  // namespace convscope
