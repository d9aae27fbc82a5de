// The app's setup (session) files on arbitrary text: refuse with UserError or load; never crash.
// Separate from fuzz_bodies.h because it needs the GUI's model library (no GL calls are made).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/gui/app_state.h"
#include "app/gui/session.h"
#include "engine/error.h"
#include "engine/json_text.h"
#include "engine/limits.h"

namespace convscope::fuzz {

inline void session(const uint8_t* data, size_t size) {
  set_max_tensor_elements(1 << 22);
  try {
    const nlohmann::json j = parse_json_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    AppState app;
    init_default_state(app);
    session_from_json(app, j);
    // What loaded must save and load again.
    AppState again;
    init_default_state(again);
    session_from_json(again, session_to_json(app));
  } catch (const UserError&) {
  }
}

}  // namespace convscope::fuzz
