// The whole setup as JSON (nlohmann-json): image, layer, kernel and bias values, weight rules and
// the view. Used by File > Save/Load setup, `--session FILE.json` and the autosave.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "app/gui/app_state.h"

namespace convscope {

// Version of the setup format this build writes ("convscope_session": N). Setups of other versions
// load what this one understands; the keys it ignored are reported in app.message.
constexpr int kSessionFormat = 1;

nlohmann::json session_to_json(const AppState& app);
// Applies a session to the app: loads its input, layer and weights. Throws UserError (naming the
// field) for malformed sessions, leaving `app` untouched.
void session_from_json(AppState& app, const nlohmann::json& j);

void save_session(const AppState& app, const std::string& path);  // atomically
void load_session(AppState& app, const std::string& path);        // throws UserError

// $XDG_CONFIG_HOME/convscope, else ~/.config/convscope ("" when neither is known).
std::string config_dir();
std::string autosave_path();  // config_dir()/autosave.json

}  // namespace convscope
