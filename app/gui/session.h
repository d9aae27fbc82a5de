// The whole setup as JSON (nlohmann-json): image, layer, kernel and bias values, weight rules and
// the view. Used by File > Save/Load setup, `--session FILE.json` and the autosave.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/gui/app_state.h"
#include "app/gui/image_loader.h"

namespace convscope {

// Version of the setup format this build writes ("convscope_session": N). Setups of other versions
// load what this one understands; the keys it ignored are reported in app.message.
constexpr int kSessionFormat = 1;

nlohmann::json session_to_json(const AppState& app);

// A setup read and checked, its input not loaded yet: File > Load setup decodes the image off the
// UI thread and applies the setup when it arrives.
struct PendingSession {
  std::string path;   // the setup file ("" when the JSON came from elsewhere)
  AppState next;      // the app as the setup leaves it, but for its input
  nlohmann::json j;   // the setup (what it ignored is named once applied)
};
// Throws UserError (naming the field) for a malformed setup.
PendingSession read_session_json(const AppState& app, const nlohmann::json& j);
// `pending.next` with its input loaded replaces `app`, keeping the app's job bookkeeping. Throws
// UserError (an impossible layer for that input), leaving `app` untouched.
void apply_session(AppState& app, PendingSession&& pending);
// Both at once, the input loaded on this thread. Throws UserError, leaving `app` untouched.
void session_from_json(AppState& app, const nlohmann::json& j);

void save_session(const AppState& app, const std::string& path);  // atomically
// Loads the setup file with its image on this thread (start-up). Throws UserError naming the
// file, leaving `app` untouched; app.message names what the setup ignored, if anything.
void load_session(AppState& app, const std::string& path);

// File > Load setup: reads and checks the file now (throws UserError, nothing changed), asks
// `loader` for its image and keeps the setup in `pending` (a grid input applies at once). The app
// shows "opening" until accept_session_image applies it.
void request_session(AppState& app, ImageLoader& loader, std::optional<PendingSession>& pending,
                     const std::string& path);
// A loaded image: if it is the pending setup's, applies the setup over the app as it is now (or
// puts why not in app.error, the app unchanged) and returns true; any other image: false, for
// accept_loaded_image.
bool accept_session_image(AppState& app, std::optional<PendingSession>& pending, const LoadedImage& loaded);
// Drops the pending setup once the app asked for another image after it (its result, if it
// comes, is stale), saying so in app.message.
void drop_stale_session(AppState& app, std::optional<PendingSession>& pending);

// $XDG_CONFIG_HOME/convscope, else ~/.config/convscope ("" when neither is known).
std::string config_dir();
std::string autosave_path();  // config_dir()/autosave.json

}  // namespace convscope
